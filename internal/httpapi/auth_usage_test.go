package httpapi_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/postgres"
)

func TestKeyUsageActivityAndAudit(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	s.Usage.KeepPerKey = 3
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Usage.Run(ctx) }()

	tn := s.newTenant("owner@example.com")
	keyID, secret := s.newKey(tn, map[string]any{"scopes": []string{"clients:read"}})
	get := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID), Key: tn.UserKey})
	if get.Body["last_used_at"] != nil {
		t.Fatalf("unused key has last_used_at: %s", get.Raw)
	}
	for range 4 {
		s.must(200, ktReq{Method: "GET", Path: "/v1/clients", Key: secret, IP: "203.0.113.5"})
	}
	s.must(403, ktReq{Method: "GET", Path: "/v1/account", Key: secret, IP: "203.0.113.6"})
	s.must(401, ktReq{Method: "GET", Path: "/v1/account", Key: wrongSecret(secret), IP: "192.0.2.77"})
	s.must(401, ktReq{Method: "GET", Path: "/v1/account", Key: unknownSecret(t), IP: "192.0.2.78"})

	// Nothing is written per request: only when the batcher flushes (here
	// at shutdown, the interval being an hour).
	if got := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID), Key: tn.UserKey}); got.Body["last_used_at"] != nil {
		t.Fatalf("last_used_at written before the flush: %s", got.Raw)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("final flush: %v", err)
	}

	got := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID), Key: tn.UserKey})
	if got.Body["last_used_at"] == nil {
		t.Fatalf("last_used_at not written by the final flush: %s", got.Raw)
	}
	act := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID) + "/activity", Key: tn.UserKey})
	data, _ := act.Body["data"].([]any)
	if len(data) != 3 {
		t.Fatalf("activity keeps %d entries, want the 3 most recent: %s", len(data), act.Raw)
	}
	newest, _ := data[0].(map[string]any)
	if newest["status"] != float64(403) || newest["path"] != "/v1/account" || newest["method"] != "GET" ||
		newest["ip"] != "203.0.113.6" || newest["time"] == nil {
		t.Errorf("newest activity = %v", newest)
	}

	s.must(200, ktReq{Method: "POST", Path: tn.keyPath(keyID) + "/revoke", Key: tn.UserKey, IP: "198.51.100.4"})
	audit := s.must(200, ktReq{Method: "GET", Path: "/v1/organizations/" + tn.OrgID + "/audit_log?limit=2", Key: tn.UserKey})
	if audit.Body["has_more"] != true {
		t.Errorf("audit page of 2 has no more: %s", audit.Raw)
	}
	var actions []string
	var failure map[string]any
	ips := map[string]any{} // action → ip
	page := audit
	for {
		entries, _ := page.Body["data"].([]any)
		for _, e := range entries {
			m := e.(map[string]any)
			actions = append(actions, m["action"].(string))
			ips[m["action"].(string)] = m["ip"]
			if m["action"] == "auth.failed" {
				failure = m
			}
		}
		if page.Body["has_more"] != true {
			break
		}
		last := entries[len(entries)-1].(map[string]any)["id"].(string)
		page = s.must(200, ktReq{Method: "GET", Path: "/v1/organizations/" + tn.OrgID + "/audit_log?limit=2&starting_after=" + last, Key: tn.UserKey})
	}
	want := []string{"key.revoked", "auth.failed", "key.created"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v (the unknown key's failure belongs to no organization)", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit actions %v, want %v", actions, want)
		}
	}
	// Lifecycle entries carry the IP of the request that made the change.
	if ips["key.created"] != "192.0.2.1" || ips["key.revoked"] != "198.51.100.4" {
		t.Errorf("lifecycle ips = %v", ips)
	}
	if failure["ip"] != "192.0.2.77" || failure["reason"] != "invalid_api_key" || failure["key_prefix"] != secret[:18] ||
		failure["key_id"] != keyID || failure["request_id"] == "" {
		t.Errorf("failure entry = %v", failure)
	}
}

func TestUsageBatcherBounded(t *testing.T) {
	t.Parallel()
	db := newKeyTestDB(t)
	b := &auth.UsageBatcher{Keys: postgres.NewAccountStore(db), Activity: postgres.NewActivityStore(db), MaxPending: 5}
	ip := netip.MustParseAddr("2001:db8::1")
	for range 20 {
		b.Failed(context.Background(), ip, "", "invalid_api_key", "", time.Now())
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'auth.failed'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("%d failures stored, want the 5 the buffer holds", n)
	}
}
