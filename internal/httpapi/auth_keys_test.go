package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/auth/authnats"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
)

func TestKeyManagementRoutes(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("owner@example.com")
	keyID, secret := s.newKey(tn, map[string]any{"name": "ci"})
	account := ktReq{Method: "GET", Path: "/v1/account", Key: secret}
	s.must(200, account)

	// Scopes change at once: the command invalidated this process's cache.
	r := s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(keyID), Key: tn.UserKey,
		Body: map[string]any{"name": "ci-readonly", "scopes": []string{"clients:read"}}})
	if r.str("name") != "ci-readonly" {
		t.Errorf("name = %q", r.str("name"))
	}
	if got := s.do(account); got.Status != 403 || got.errorCode() != "insufficient_scope" {
		t.Fatalf("after narrowing scopes: %d %s", got.Status, got.Raw)
	}
	s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(keyID), Key: tn.UserKey,
		Body: map[string]any{"scopes": []string{"*"}, "enabled": false}})
	if got := s.do(account); got.Status != 401 || got.errorCode() != "api_key_revoked" {
		t.Fatalf("disabled key: %d %s", got.Status, got.Raw)
	}
	s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(keyID), Key: tn.UserKey, Body: map[string]any{"enabled": true}})
	s.must(200, account)

	// Rotation: both secrets inside the grace window, only the new one after.
	r = s.must(200, ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/rotate", Key: tn.UserKey,
		Body: map[string]any{"grace_period_seconds": 60}})
	newSecret := r.str("secret")
	if newSecret == "" || newSecret == secret || r.str("id") != keyID {
		t.Fatalf("rotate answer: %s", r.Raw)
	}
	s.must(200, account)
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: newSecret})
	s.Clock.Advance(61 * time.Second)
	if got := s.do(account); got.Status != 401 || got.errorCode() != "api_key_revoked" {
		t.Fatalf("old secret after grace: %d %s", got.Status, got.Raw)
	}
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: newSecret})
	if got := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID), Key: tn.UserKey}); got.str("secret") != "" {
		t.Fatalf("secret shown again: %s", got.Raw)
	}
	if got := s.do(ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/rotate", Key: tn.UserKey,
		Body: map[string]any{"grace_period_seconds": 700000}}); got.Status != 400 {
		t.Fatalf("grace too long: %d %s", got.Status, got.Raw)
	}

	// Revocation is instant and final.
	r = s.must(200, ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/revoke", Key: tn.UserKey})
	if r.Body["revoked_at"] == nil {
		t.Errorf("revoked_at missing: %s", r.Raw)
	}
	if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: newSecret}); got.Status != 401 || got.errorCode() != "api_key_revoked" {
		t.Fatalf("revoked key: %d %s", got.Status, got.Raw)
	}
	s.must(409, ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/revoke", Key: tn.UserKey})

	// Another user's organization and key read as missing.
	other := s.newTenant("other@example.com")
	for _, q := range []ktReq{
		{Method: "PATCH", Path: tn.keyPath(keyID), Key: other.UserKey, Body: map[string]any{"name": "x"}},
		{Method: "POST", Path: tn.keyPath(keyID) + "/rotate", Key: other.UserKey},
		{Method: "POST", Path: tn.keyPath(keyID) + "/revoke", Key: other.UserKey},
		{Method: "GET", Path: tn.keyPath(keyID) + "/activity", Key: other.UserKey},
		{Method: "GET", Path: "/v1/organizations/" + tn.OrgID + "/audit_log", Key: other.UserKey},
		{Method: "POST", Path: other.keyPath(keyID) + "/revoke", Key: other.UserKey},
	} {
		if got := s.do(q); got.Status != 404 {
			t.Errorf("%s %s by another user: %d %s", q.Method, q.Path, got.Status, got.Raw)
		}
	}
}

// TestRevocationPropagates runs two API processes (two authenticators, two
// caches) on one database and one NATS server with the relay running, and
// proves a revocation through one is refused by the other within a second.
func TestRevocationPropagates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := newKeyTestDB(t)
	a, b := newKeyTestServer(t, db), newKeyTestServer(t, db)

	ns := testenv.NATS(t)
	nc, err := natsjs.Connect(ns.URL(), "authsync-test", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := natsjs.EnsureStream(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*keyTestServer{a, b} { // as app.Connect wires every process
		s.Store.OnCommit = relay.Announce(nc)
	}
	// Stopped before the database closes (cleanups run last first): the
	// relay holds a session of the pool while it leads.
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); _ = (&relay.Relay{Store: a.Store, JS: js, Wakes: nc}).Run(relayCtx) }()
	t.Cleanup(func() { stopRelay(); <-relayDone })
	// What process b's listener applied. The listener must never block on
	// the test: a full channel would hold its consumer, and stopping it in
	// the cleanup would then wait for ever; the buffer holds far more
	// events than the test makes.
	heard := make(chan events.Event, 256)
	for _, s := range []*keyTestServer{a, b} {
		l := &authnats.Listener{JS: js, Cache: s.Auth.Cache}
		if s == b {
			l.OnEvent = func(e events.Event) {
				select {
				case heard <- e:
				default:
					t.Errorf("process b heard more events than the test reads: %s dropped", e.Type)
				}
			}
		}
		stop, err := l.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}

	tn := a.newTenant("owner@example.com")
	keyID, secret := a.newKey(tn, nil)
	disabledID, disabledSecret := a.newKey(tn, nil)
	// Every key event drops that key from b's cache, its creation included:
	// warm a cache only once b has heard the key's creation.
	awaitCreated := func(ids ...string) {
		t.Helper()
		pending := map[string]bool{}
		for _, id := range ids {
			pending[id] = true
		}
		for deadline := time.After(5 * time.Second); len(pending) > 0; {
			select {
			case e := <-heard:
				if e.Type == events.KeyCreated {
					delete(pending, e.StreamID)
				}
			case <-deadline:
				t.Fatalf("process b never heard the creation of %v", pending)
			}
		}
	}
	awaitCreated(keyID, disabledID)
	for _, s := range []*keyTestServer{a, b} {
		for _, k := range []string{secret, disabledSecret} {
			s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: k}) // warms the cache
		}
	}
	if n := b.Auth.Cache.Len(); n != 2 {
		t.Fatalf("process b caches %d keys, want 2", n)
	}

	// waitRefused waits for process b to drop its cached entry (the
	// propagation, bounded at one second from the commit), then checks b
	// refuses the key (which costs b one bcrypt, not counted: under the race
	// detector bcrypt alone takes seconds).
	waitRefused := func(start time.Time, what, path, key, eventType, code string) {
		t.Helper()
		deadline := time.After(time.Second - time.Since(start))
		for done := false; !done; {
			select {
			case e := <-heard:
				done = e.Type == eventType
			case <-deadline:
				t.Fatalf("%s: process b heard no %s within a second", what, eventType)
			}
		}
		t.Logf("%s: process b invalidated its cache %v after the command was sent", what, time.Since(start).Round(time.Millisecond))
		got := b.do(ktReq{Method: "GET", Path: path, Key: key})
		if got.Status == 200 || got.errorCode() != code {
			t.Fatalf("%s: process b answers %d %s, want %s", what, got.Status, got.Raw, code)
		}
	}
	drain(heard) // the creations
	start := time.Now()
	a.must(200, ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/revoke", Key: tn.UserKey})
	waitRefused(start, "revoke", "/v1/account", secret, events.KeyRevoked, "api_key_revoked")

	start = time.Now()
	a.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(disabledID), Key: tn.UserKey, Body: map[string]any{"enabled": false}})
	waitRefused(start, "disable", "/v1/account", disabledSecret, events.KeyUpdated, "api_key_revoked")

	// The operator disables the organization: every key of it, everywhere.
	liveID, liveSecret := a.newKey(tn, map[string]any{"mode": "live"})
	awaitCreated(liveID)
	b.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: liveSecret})
	start = time.Now()
	a.must(200, ktReq{Method: "POST", Path: "/v1/organizations/" + tn.OrgID + "/api_access", Key: ktOperatorKey,
		Body: map[string]any{"api_disabled": true}})
	waitRefused(start, "organization disabled", "/v1/account", liveSecret, events.OrganizationDisabled, "api_disabled")

	// A user key (its events have no organization: events.live._.key.*)
	// revoked through a is refused by b, which had it cached.
	b.must(200, ktReq{Method: "GET", Path: "/v1/organizations", Key: tn.UserKey})
	start = time.Now()
	a.must(200, ktReq{Method: "POST", Path: "/v1/user/secret_key/revoke", Key: tn.UserKey})
	waitRefused(start, "user key revoked", "/v1/organizations", tn.UserKey, events.KeyRevoked, "api_key_revoked")
}

func drain[T any](c chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
