package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/postgres"
)

// One request whose path PostgreSQL cannot store (a NUL, invalid UTF-8, or
// simply huge) must not cost anyone their audit records: the usage of the
// other requests of the same 2-second window, of every organization, and
// the authentication failures of that window are all written.
func TestUsageBatchSurvivesABadRow(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	a, b := s.newTenant("a@example.com"), s.newTenant("b@example.com")
	aKey, aSecret := s.newKey(a, nil)
	bKey, bSecret := s.newKey(b, nil)

	s.must(200, ktReq{Method: "GET", Path: "/v1/clients?limit=1", Key: aSecret})
	for _, bad := range []string{"/v1/clients/cli_%00", "/v1/clients/%FF%FE", "/v1/clients/" + strings.Repeat("x", 5000)} {
		if r := s.do(ktReq{Method: "GET", Path: bad, Key: aSecret}); r.Status < 400 || r.Status > 499 {
			t.Fatalf("GET %.40s: status %d, want a 4xx: %s", bad, r.Status, r.Raw)
		}
	}
	s.must(200, ktReq{Method: "GET", Path: "/v1/clients?limit=2", Key: aSecret})
	s.must(200, ktReq{Method: "GET", Path: "/v1/clients?limit=3", Key: bSecret})
	s.must(401, ktReq{Method: "GET", Path: "/v1/clients", Key: wrongSecret(bSecret), IP: "192.0.2.99"})

	if err := s.Usage.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	// The NUL and invalid UTF-8 paths are refused before authentication
	// (text.go), so they are nobody's activity; the huge path is, cut.
	aPaths := activityPaths(s, a, aKey)
	if len(aPaths) != 3 {
		t.Fatalf("key A activity %q, want its 3 authenticated requests", aPaths)
	}
	for _, p := range aPaths {
		if strings.ContainsRune(p, 0) || len(p) > auth.MaxUsagePath || !strings.HasPrefix(p, "/v1/clients") {
			t.Errorf("stored path %.60q: not cleaned", p)
		}
	}
	if got := activityPaths(s, b, bKey); len(got) != 1 {
		t.Errorf("key B activity %q, want its one request", got)
	}
	audit := s.must(200, ktReq{Method: "GET", Path: "/v1/organizations/" + b.OrgID + "/audit_log", Key: b.UserKey})
	if !strings.Contains(string(audit.Raw), `"auth.failed"`) || !strings.Contains(string(audit.Raw), "192.0.2.99") {
		t.Errorf("B's authentication failure of the window is missing: %s", audit.Raw)
	}
}

func activityPaths(s *keyTestServer, tn ktTenant, keyID string) []string {
	s.t.Helper()
	act := s.must(200, ktReq{Method: "GET", Path: tn.keyPath(keyID) + "/activity", Key: tn.UserKey})
	data, _ := act.Body["data"].([]any)
	var out []string
	for _, e := range data {
		p, _ := e.(map[string]any)["path"].(string)
		out = append(out, p)
	}
	return out
}

// The store itself never loses a batch to one row it cannot write (here a
// row the batcher did not clean): it falls back to row by row, stores the
// others and reports the refused one.
func TestActivityStoreStoresAllButTheBadRow(t *testing.T) {
	t.Parallel()
	db := newKeyTestDB(t)
	store := postgres.NewActivityStore(db)
	ctx := context.Background()
	now := time.Now()
	uses := []auth.KeyUse{
		{KeyID: "key_good", At: now, Method: "GET", Path: "/v1/a", Status: 200},
		{KeyID: "key_good", At: now, Method: "GET", Path: "/v1/\x00", Status: 404},
		{KeyID: "key_good", At: now, Method: "GET", Path: "/v1/\xff", Status: 404},
		{KeyID: "key_good", At: now, Method: "GET", Path: "/v1/b", Status: 200},
	}
	err := store.RecordUses(ctx, uses, 100)
	rej, ok := errors.AsType[*auth.RejectedRowsError](err)
	if !ok || rej.Rows != 2 {
		t.Fatalf("RecordUses = %v, want 2 rows refused", err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM key_activity WHERE key_id = 'key_good'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d activity rows stored, want the 2 good ones", n)
	}

	fails := []auth.AuthFailure{
		{At: now, IP: "192.0.2.1", Code: "invalid_api_key", RequestID: "req_good1"},
		{At: now, IP: "192.0.2.1", Code: "invalid_api_key", RequestID: "req_\x00"},
		{At: now, IP: "192.0.2.1", Code: "invalid_api_key", RequestID: "req_good2"},
	}
	err = store.RecordFailures(ctx, fails)
	if rej, ok := errors.AsType[*auth.RejectedRowsError](err); !ok || rej.Rows != 1 {
		t.Fatalf("RecordFailures = %v, want 1 row refused", err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE request_id LIKE 'req_good%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d failures stored, want the 2 good ones", n)
	}
}
