package e2e

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/projections"
)

// inlineDigest summarizes the inline read models: every column of users,
// organizations and keys (but last use, which the usage batcher may move
// meanwhile: checked apart) and of the audit log.
func inlineDigest(t *testing.T, s *system) string {
	t.Helper()
	var d string
	err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT concat_ws(E'\n',
		(SELECT string_agg(u::text, ',' ORDER BY id) FROM users u),
		(SELECT string_agg(o::text, ',' ORDER BY id) FROM organizations o),
		(SELECT string_agg((to_jsonb(k) - 'last_used_at')::text, ',' ORDER BY id) FROM api_keys k),
		(SELECT string_agg(a::text, ',' ORDER BY id) FROM audit_log a))`).Scan(&d)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRebuildInlineProjections rebuilds users, organizations, keys and the
// key audit log in place while keys authenticate: the read models come back
// exactly (a key's last use, which is not an event, and the audit rows of
// authentication failures, survive), damage is repaired, and no request
// fails meanwhile.
func TestRebuildInlineProjections(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()
	a := s.newTenant("inline-a@example.com")
	b := s.newTenant("inline-b@example.com")
	s.must(200, "PATCH", "/v1/organizations/"+a.orgID, a.userKey, map[string]any{"name": "Renamed"})
	k := s.must(201, "POST", "/v1/organizations/"+a.orgID+"/api_keys", a.userKey, map[string]any{"name": "old", "mode": "live"})
	s.must(200, "POST", "/v1/organizations/"+a.orgID+"/api_keys/"+k.str("id")+"/rotate", a.userKey, map[string]any{"grace_period_seconds": 60})
	s.must(200, "POST", "/v1/organizations/"+a.orgID+"/api_keys/"+k.str("id")+"/revoke", a.userKey, nil)
	s.must(200, "GET", "/v1/account", b.live, nil)
	wrong := b.live[:len(b.live)-1] + "A" // the right prefix, a wrong secret
	if strings.HasSuffix(b.live, "A") {
		wrong = b.live[:len(b.live)-1] + "B"
	}
	s.must(401, "GET", "/v1/account", wrong, nil)                  // an audited failure
	eventually(t, "the failure is in the audit log", func() bool { // flushed by the usage batcher
		var n int
		err := s.svc.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'auth.failed' AND org_id = $1`, b.orgID).Scan(&n)
		return err == nil && n == 1
	})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.svc.DB.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE api_keys SET last_used_at = now() - interval '1 hour'`)
	exec(`INSERT INTO audit_log (id, org_id, livemode, action, occurred_at, key_prefix, reason)
		VALUES ('aud_failure_kept', $1, true, 'auth.failed', now(), 'fact_live_x', 'invalid_api_key')`, b.orgID)
	want := inlineDigest(t, s)

	// Damage the read models: the rebuild must repair it.
	exec(`UPDATE organizations SET name = 'wrong' WHERE id = $1`, a.orgID)
	exec(`UPDATE api_keys SET revoked_at = NULL WHERE id = $1`, k.str("id"))
	exec(`DELETE FROM audit_log WHERE action = 'key.rotated'`)

	// Requests keep being answered during the rebuild.
	stop := make(chan struct{})
	var served, failed atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r := s.call("GET", "/v1/account", a.live, nil); r.Status == 200 {
				served.Add(1)
			} else {
				failed.Add(1)
			}
		}
	})
	time.Sleep(50 * time.Millisecond)
	rb := &projections.Rebuilder{DB: s.svc.DB, Store: s.svc.Store, BatchSize: 3}
	var applied int64
	for _, p := range app.InlineProjections() {
		res, err := rb.RebuildInline(ctx, p)
		if err != nil {
			t.Fatalf("rebuild %s: %v", p.Name(), err)
		}
		applied += res.Applied
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()

	if got := inlineDigest(t, s); got != want {
		t.Fatalf("after the rebuild:\n%s\nwant:\n%s", got, want)
	}
	var unused int
	if err := s.svc.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE last_used_at IS NULL`).Scan(&unused); err != nil || unused != 0 {
		t.Fatalf("%d keys lost their last use (%v)", unused, err)
	}
	if applied == 0 || served.Load() == 0 || failed.Load() != 0 {
		t.Fatalf("applied %d events; requests during the rebuild: %d served, %d failed", applied, served.Load(), failed.Load())
	}
	// Keys still work, the revoked one stays revoked, writes go on.
	s.must(200, "GET", "/v1/account", a.test, nil)
	s.must(201, "POST", "/v1/organizations/"+b.orgID+"/api_keys", b.userKey, map[string]any{"name": "after", "mode": "test"})
}
