package httpapi_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
)

// wrongSecret keeps the prefix of secret (so the key is found and bcrypt
// runs) and changes the rest.
func wrongSecret(secret string) string {
	p := secret[:18]
	tail := []byte(secret[18:])
	for i := range tail {
		if tail[i] == 'A' {
			tail[i] = 'B'
		} else {
			tail[i] = 'A'
		}
	}
	return p + string(tail)
}

// unknownSecret is well formed and matches no key.
func unknownSecret(t *testing.T) string {
	t.Helper()
	tok, err := auth.Generate(auth.KindTest)
	if err != nil {
		t.Fatal(err)
	}
	return tok.String()
}

func TestAuthHeaderPrecedence(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("owner@example.com")
	_, good := s.newKey(tn, nil)
	bad := "fact_test_malformed"
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"bearer", map[string]string{"Authorization": "Bearer " + good}, 200},
		{"bearer lowercase scheme", map[string]string{"Authorization": "bearer " + good}, 200},
		{"x-api-key", map[string]string{"X-API-Key": good}, 200},
		{"x-auth-token", map[string]string{"X-Auth-Token": good}, 200},
		{"token", map[string]string{"Token": good}, 200},
		{"bearer wins over x-api-key", map[string]string{"Authorization": "Bearer " + good, "X-API-Key": bad}, 200},
		{"bad bearer is not rescued by x-api-key", map[string]string{"Authorization": "Bearer " + bad, "X-API-Key": good}, 401},
		{"basic scheme refused", map[string]string{"Authorization": "Basic " + good}, 401},
		{"x-api-key wins over x-auth-token", map[string]string{"X-API-Key": bad, "X-Auth-Token": good}, 401},
		{"x-auth-token wins over token", map[string]string{"X-Auth-Token": good, "Token": bad}, 200},
		// A present header decides even when empty or blank.
		{"empty authorization is not rescued by x-api-key", map[string]string{"Authorization": "", "X-API-Key": good}, 401},
		{"bearer without a key is not rescued", map[string]string{"Authorization": "Bearer ", "X-API-Key": good}, 401},
		{"empty x-api-key is not rescued by x-auth-token", map[string]string{"X-API-Key": "", "X-Auth-Token": good}, 401},
		{"blank x-auth-token is not rescued by token", map[string]string{"X-Auth-Token": "  ", "Token": good}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.do(ktReq{Method: "GET", Path: "/v1/account", Header: tc.header, IP: "198.51.100.7"})
			if got.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", got.Status, tc.want, got.Raw)
			}
		})
	}
	// A key in the query string is refused even when the header is valid.
	for _, param := range []string{"api_key", "key", "token", "access_token"} {
		got := s.do(ktReq{Method: "GET", Path: "/v1/account?" + param + "=" + good, Key: good})
		if got.Status != 400 || got.errorCode() != "api_key_in_query" {
			t.Errorf("?%s=: %d %s", param, got.Status, got.Raw)
		}
	}
}

func TestAuthErrorCodes(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("owner@example.com")
	_, good := s.newKey(tn, nil)
	revokedID, revoked := s.newKey(tn, nil)
	s.must(200, ktReq{Method: "POST", Path: tn.keyPath(revokedID) + "/revoke", Key: tn.UserKey})
	_, expiring := s.newKey(tn, map[string]any{"expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	_, allowlisted := s.newKey(tn, map[string]any{"ip_allowlist": []string{"203.0.113.0/24"}})
	_, readOnly := s.newKey(tn, map[string]any{"scopes": []string{"clients:read"}})
	other := s.newTenant("other@example.com")
	_, disabledOrgKey := s.newKey(other, nil)
	s.must(200, ktReq{Method: "POST", Path: "/v1/organizations/" + other.OrgID + "/api_access", Key: ktOperatorKey,
		Body: map[string]any{"api_disabled": true}})

	cases := []struct {
		name   string
		q      ktReq
		status int
		code   string
		before func()
	}{
		{name: "missing", q: ktReq{Method: "GET", Path: "/v1/account"}, status: 401, code: "missing_api_key"},
		{name: "malformed", q: ktReq{Method: "GET", Path: "/v1/account", Key: "fact_test_short"}, status: 401, code: "invalid_api_key"},
		{name: "unknown", q: ktReq{Method: "GET", Path: "/v1/account", Key: unknownSecret(t)}, status: 401, code: "invalid_api_key"},
		{name: "wrong secret", q: ktReq{Method: "GET", Path: "/v1/account", Key: wrongSecret(good)}, status: 401, code: "invalid_api_key"},
		{name: "user key on org route", q: ktReq{Method: "GET", Path: "/v1/account", Key: tn.UserKey}, status: 401, code: "invalid_api_key"},
		{name: "revoked", q: ktReq{Method: "GET", Path: "/v1/account", Key: revoked}, status: 401, code: "api_key_revoked"},
		{name: "expired", q: ktReq{Method: "GET", Path: "/v1/account", Key: expiring}, status: 401, code: "api_key_revoked",
			before: func() { s.Clock.Advance(2 * time.Hour) }},
		{name: "ip not allowed", q: ktReq{Method: "GET", Path: "/v1/account", Key: allowlisted, IP: "192.0.2.9"}, status: 401, code: "ip_not_allowed"},
		{name: "ip allowed", q: ktReq{Method: "GET", Path: "/v1/account", Key: allowlisted, IP: "203.0.113.50"}, status: 200},
		{name: "insufficient scope", q: ktReq{Method: "GET", Path: "/v1/account", Key: readOnly}, status: 403, code: "insufficient_scope"},
		{name: "scope allows", q: ktReq{Method: "GET", Path: "/v1/clients", Key: readOnly}, status: 200},
		{name: "organization disabled", q: ktReq{Method: "GET", Path: "/v1/account", Key: disabledOrgKey}, status: 403, code: "api_disabled"},
		{name: "invalid scope", q: ktReq{Method: "POST", Path: "/v1/organizations/" + tn.OrgID + "/api_keys", Key: tn.UserKey,
			Body: map[string]any{"mode": "test", "scopes": []string{"bogus:read"}}}, status: 400, code: "invalid_scope"},
	}
	for _, tc := range cases {
		if tc.before != nil {
			tc.before()
		}
		got := s.do(tc.q)
		if got.Status != tc.status || got.errorCode() != tc.code {
			t.Errorf("%s: %d %q, want %d %q: %s", tc.name, got.Status, got.errorCode(), tc.status, tc.code, got.Raw)
			continue
		}
		checkRequestID(t, tc.name, got)
	}
}

// checkRequestID checks an answer carries X-Request-Id and, for errors, the
// same id in the envelope.
func checkRequestID(t *testing.T, name string, got ktResponse) {
	t.Helper()
	rid := got.Header.Get("X-Request-Id")
	if !strings.HasPrefix(rid, "req_") {
		t.Errorf("%s: X-Request-Id = %q", name, rid)
	}
	if got.Status < 400 {
		return
	}
	e, _ := got.Body["error"].(map[string]any)
	if e["request_id"] != rid {
		t.Errorf("%s: envelope request_id %v, header %q", name, e["request_id"], rid)
	}
}

func TestAuthLockout(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	s.Auth.Throttle = auth.NewThrottle(auth.ThrottlePolicy{PerPrefix: 3})
	tn := s.newTenant("owner@example.com")
	_, good := s.newKey(tn, nil)
	_, second := s.newKey(tn, nil)
	attacker, owner := "192.0.2.66", "198.51.100.1"

	// Ten failures from one IP (unknown and malformed tokens) block it.
	for i := range 10 {
		key := unknownSecret(t)
		if i%2 == 1 {
			key = "fact_live_garbage"
		}
		if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: key, IP: attacker}); got.errorCode() != "invalid_api_key" {
			t.Fatalf("failure %d: %d %s", i, got.Status, got.Raw)
		}
	}
	got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: unknownSecret(t), IP: attacker})
	if got.Status != 429 || got.errorCode() != "too_many_auth_failures" {
		t.Fatalf("11th failure: %d %s", got.Status, got.Raw)
	}
	checkRequestID(t, "lockout", got)
	ra, err := strconv.Atoi(got.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 300 {
		t.Fatalf("Retry-After = %q", got.Header.Get("Retry-After"))
	}
	// Even a valid (uncached) key is not checked from the blocked IP...
	if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: good, IP: attacker}); got.Status != 429 {
		t.Fatalf("valid key from the blocked IP: %d %s", got.Status, got.Raw)
	}
	// ...but from another IP it works.
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: good, IP: owner})
	// The block ends with the window.
	s.Clock.Advance(5*time.Minute + time.Second)
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: good, IP: attacker})

	// Per prefix: wrong secrets for one key from many IPs block that
	// prefix, except for IPs that proved the secret before.
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: second, IP: owner})
	s.Auth.Cache.InvalidateAll()
	for i := range 3 {
		ip := "203.0.113." + strconv.Itoa(10+i)
		if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: wrongSecret(second), IP: ip}); got.errorCode() != "invalid_api_key" {
			t.Fatalf("prefix failure %d: %d %s", i, got.Status, got.Raw)
		}
	}
	if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: second, IP: "203.0.113.99"}); got.Status != 429 {
		t.Fatalf("blocked prefix from a new IP: %d %s", got.Status, got.Raw)
	}
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: second, IP: owner})
}

// countingKeys counts the key lookups that precede bcrypt.
type countingKeys struct {
	httpapi.KeyStore
	n atomic.Int32
}

func (c *countingKeys) KeysByPrefix(ctx context.Context, prefix string) ([]postgres.KeyRecord, error) {
	c.n.Add(1)
	return c.KeyStore.KeysByPrefix(ctx, prefix)
}

// A key of the wrong kind for the route is refused from its prefix alone,
// before the database and bcrypt: it cannot be made to burn a CPU second.
func TestWrongKeyKindRefusedBeforeBcrypt(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("kinds@example.com")
	_, orgKey := s.newKey(tn, nil)
	keys := &countingKeys{KeyStore: s.Auth.Keys}
	s.Auth.Keys = keys
	s.Auth.Cache.InvalidateAll() // nothing verified: every key would need bcrypt
	for _, q := range []ktReq{
		{Method: "GET", Path: "/v1/account", Key: tn.UserKey},
		{Method: "GET", Path: "/v1/organizations", Key: orgKey},
		{Method: "GET", Path: "/v1/clients", Key: tn.UserKey},
	} {
		got := s.do(q)
		if got.Status != 401 || got.errorCode() != "invalid_api_key" {
			t.Errorf("%s with the wrong kind: %d %s", q.Path, got.Status, got.Raw)
		}
	}
	if n := keys.n.Load(); n != 0 {
		t.Errorf("%d key lookups (and bcrypt comparisons) for keys of the wrong kind", n)
	}
}

// GET /v1/ answers every valid key, whatever its scopes: a restricted key
// is exactly the one that needs to ask what it may do.
func TestAPIRootAnswersAnyKey(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("root@example.com")
	_, bare := s.newKey(tn, map[string]any{"scopes": []string{}})
	_, readClients := s.newKey(tn, map[string]any{"scopes": []string{"clients:read"}})
	routes := func(r ktResponse) []string {
		var out []string
		for _, v := range r.Body["routes"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}

	r := s.must(200, ktReq{Method: "GET", Path: "/v1/", Key: bare})
	if got := routes(r); !slices.Equal(got, []string{"GET /v1"}) || r.str("kind") != "organization" {
		t.Errorf("a key without scopes: kind %q, routes %q", r.str("kind"), got)
	}
	r = s.must(200, ktReq{Method: "GET", Path: "/v1/", Key: readClients})
	got := routes(r)
	if !slices.Contains(got, "GET /v1/clients/{id}") || slices.Contains(got, "POST /v1/clients") || slices.Contains(got, "GET /v1/account") {
		t.Errorf("clients:read key may use %q", got)
	}
	if res := r.Body["resources"].([]any); len(res) != 1 || res[0].(map[string]any)["resource"] != "clients" {
		t.Errorf("clients:read key resources %v", res)
	}
	r = s.must(200, ktReq{Method: "GET", Path: "/v1/", Key: tn.UserKey})
	got = routes(r)
	if r.str("kind") != "user" || !slices.Contains(got, "POST /v1/organizations") || slices.Contains(got, "GET /v1/clients") ||
		slices.Contains(got, "POST /v1/users") {
		t.Errorf("user key: kind %q, routes %q", r.str("kind"), got)
	}
	s.must(401, ktReq{Method: "GET", Path: "/v1/", Key: ktOperatorKey})
}
