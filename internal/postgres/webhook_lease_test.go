package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/webhooks"
)

// A claim leases deliveries without changing any column that an index of
// webhook_deliveries covers (key or predicate), so PostgreSQL can update
// the rows in place and writes no index entry: leasing used to move
// next_attempt_at, and every claim wrote into all six indexes. Checked for
// the three kinds of endpoint (parallel, fifo, rate-limited), which two
// statements claim. A claimed delivery is not claimed again while leased.
func TestClaimsLeaveIndexedColumnsAlone(t *testing.T) {
	ctx := context.Background()
	db, hooks := leaseFixture(t)
	var indexed []string // columns in the key or the predicate of an index
	err := db.Pool.QueryRow(ctx, `SELECT array_agg(DISTINCT a.attname::text) FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0
		WHERE i.indrelid = 'webhook_deliveries'::regclass
		  AND (a.attnum = ANY (i.indkey) OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\m' || a.attname || '\M'))`).Scan(&indexed)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string]string {
		t.Helper()
		rows, err := db.Pool.Query(ctx, `SELECT id, (SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(d)) AS kv (k, v)
			WHERE k = ANY ($1))::text FROM webhook_deliveries d`, indexed)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id, cols string
			if err := rows.Scan(&id, &cols); err != nil {
				t.Fatal(err)
			}
			out[id] = cols
		}
		return out
	}
	before := snapshot()
	req := webhooks.ClaimRequest{Owner: "test", Max: 100, Lease: time.Minute, PerEndpoint: 10}
	claimed, err := hooks.Claim(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, c := range claimed {
		per[c.EndpointID]++
	}
	// The fifo endpoint gives its head only; the rate-limited one all three
	// (100/s, slots up to a second ahead).
	if per["we_par"] != 3 || per["we_fifo"] != 1 || per["we_rl"] != 3 {
		t.Fatalf("claimed per endpoint %v, want we_par 3, we_fifo 1, we_rl 3", per)
	}
	after := snapshot()
	for id, cols := range before {
		if after[id] != cols {
			t.Errorf("claim changed indexed columns of %s (%v):\n before %s\n after  %s", id, indexed, cols, after[id])
		}
	}
	again, err := hooks.Claim(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("a second claim took %d leased deliveries (or a fifo endpoint's second): %v", len(again), again)
	}
}

// leaseFixture is a database with three enabled endpoints of org_l, one
// parallel (we_par), one fifo (we_fifo), one limited to 100/s (we_rl),
// each with three deliveries due.
func leaseFixture(t *testing.T) (*postgres.DB, *postgres.WebhookStore) {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.Migrated(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	_, err = db.Pool.Exec(ctx, `
		INSERT INTO webhook_endpoints (id, org_id, livemode, url, enabled_events, status, secret, version, data, created_at, ordering, rate_limit)
		VALUES ('we_par', 'org_l', true, 'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now(), 'parallel', NULL),
		       ('we_fifo', 'org_l', true, 'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now(), 'fifo', NULL),
		       ('we_rl', 'org_l', true, 'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now(), 'parallel', 100);
		INSERT INTO webhook_endpoint_slots (endpoint_id) VALUES ('we_rl');
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, next_attempt_at, event_created_at, event_tx, event_position)
		SELECT 'wd_' || e || '_' || g, 'org_l', true, e, 'evt_' || e || '_' || g, 'client.updated', '{}', 'pending',
		       true, now() - interval '1 minute', now(), 1, g
		FROM unnest('{we_par,we_fifo,we_rl}'::text[]) e, generate_series(1, 3) g`)
	if err != nil {
		t.Fatal(err)
	}
	return db, postgres.NewWebhookStore(postgres.NewEventStore(db, events.Upcast))
}

// Release gives back a lease the worker did not use (a delivery claimed
// ahead and never sent): the delivery is claimable at once, and the
// attempt its claim counted is not counted. A lease that is no longer the
// claim's (another worker's now) is left alone.
func TestReleaseGivesBackTheLease(t *testing.T) {
	ctx := context.Background()
	db, hooks := leaseFixture(t)
	req := webhooks.ClaimRequest{Owner: "test", Max: 2, Lease: time.Minute, PerEndpoint: 10}
	claimed, err := hooks.Claim(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 {
		t.Fatalf("claimed %d, want 2", len(claimed))
	}
	stale := claimed[1]
	stale.Token = "another worker's"
	if err := hooks.Release(ctx, []webhooks.Claimed{claimed[0], stale}); err != nil {
		t.Fatal(err)
	}
	var leased, attempts int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE lease_token IS NOT NULL), sum(attempts)
		FROM webhook_deliveries WHERE id = ANY ($1)`, []string{claimed[0].DeliveryID, claimed[1].DeliveryID}).Scan(&leased, &attempts); err != nil {
		t.Fatal(err)
	}
	if leased != 1 || attempts != 1 {
		t.Fatalf("after release: %d leased, %d attempts counted; want 1 (the other token's) and 1", leased, attempts)
	}
	req.Max = 100
	again, err := hooks.Claim(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again {
		if c.DeliveryID == claimed[0].DeliveryID {
			if c.Attempts != 1 {
				t.Errorf("the released delivery claimed again counts %d attempts, want 1", c.Attempts)
			}
			return
		}
	}
	t.Errorf("the released delivery %s was not claimable again: %v", claimed[0].DeliveryID, again)
}

// Failures record since when an endpoint fails by writing its row once,
// when it starts failing, in one statement for a whole batch: an endpoint
// that went down with a backlog ended hundreds of attempts at once, and a
// statement and a row version for each held the batch's transaction open
// long enough to stall the relay for every tenant.
func TestFailuresWriteTheEndpointOnlyWhenItStartsFailing(t *testing.T) {
	ctx := context.Background()
	db, hooks := leaseFixture(t)
	claimed, err := hooks.Claim(ctx, webhooks.ClaimRequest{Owner: "test", Max: 100, Lease: time.Minute, PerEndpoint: 10})
	if err != nil {
		t.Fatal(err)
	}
	var par []webhooks.Claimed
	for _, c := range claimed {
		if c.EndpointID == "we_par" {
			par = append(par, c)
		}
	}
	if len(par) != 3 {
		t.Fatalf("claimed %d deliveries of we_par, want 3", len(par))
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	fail := func(c webhooks.Claimed, at time.Time) webhooks.Completed {
		return webhooks.Completed{Claimed: c, Result: webhooks.AttemptResult{At: at, StatusCode: 500},
			Decision: webhooks.Decision{Status: webhooks.DeliveryPending, NextAttemptAt: at.Add(time.Minute)}}
	}
	row := func() (since time.Time, xmin string) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, `SELECT failing_since, xmin::text FROM webhook_endpoints WHERE id = 'we_par'`).
			Scan(&since, &xmin); err != nil {
			t.Fatal(err)
		}
		return since, xmin
	}
	if err := hooks.CompleteBatch(ctx, []webhooks.Completed{fail(par[1], t0.Add(time.Second)), fail(par[0], t0)}, time.Hour); err != nil {
		t.Fatal(err)
	}
	since, xmin := row()
	if !since.Equal(t0) {
		t.Fatalf("failing_since %v, want the batch's first failure %v", since, t0)
	}
	if err := hooks.CompleteBatch(ctx, []webhooks.Completed{fail(par[2], t0.Add(2*time.Second))}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if since2, xmin2 := row(); !since2.Equal(t0) || xmin2 != xmin {
		t.Fatalf("a failure of a failing endpoint rewrote its row: failing_since %v (want %v), xmin %s → %s", since2, t0, xmin, xmin2)
	}
}

// A success recorded by another worker at the same moment keeps a
// failing endpoint enabled: the failures see its failing_since cleared
// before they decide that the endpoint has failed for too long.
func TestFailuresDoNotDisableAnEndpointThatJustSucceeded(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.Migrated(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	hooks := postgres.NewWebhookStore(postgres.NewEventStore(db, events.Upcast))
	secret, err := webhooks.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	st := events.Stream{ID: "we_real", OrgID: "org_r", Livemode: true}
	if _, err := hooks.ExecuteEndpoint(ctx, st, events.Metadata{}, func([]events.Event) ([]events.Draft, error) {
		return webhooks.NewEndpoint(webhooks.EndpointInput{URL: "https://hooks.example.com/", EnabledEvents: []string{"*"}},
			secret, webhooks.Config{}.Policy())
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = now() - interval '2 hours' WHERE id = 'we_real';
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, next_attempt_at, event_created_at)
		SELECT 'wd_r' || g, 'org_r', true, 'we_real', 'evt_r' || g, 'client.updated', '{}', 'pending', true, now(), now()
		FROM generate_series(1, 3) g`); err != nil {
		t.Fatal(err)
	}
	claimed, err := hooks.Claim(ctx, webhooks.ClaimRequest{Owner: "test", Max: 100, Lease: time.Minute, PerEndpoint: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3", len(claimed))
	}
	var failures []webhooks.Completed
	for _, c := range claimed {
		failures = append(failures, webhooks.Completed{Claimed: c, Result: webhooks.AttemptResult{At: time.Now(), StatusCode: 500},
			Decision: webhooks.Decision{Status: webhooks.DeliveryPending, NextAttemptAt: time.Now().Add(time.Minute)}})
	}
	success, err := db.Pool.Begin(ctx) // another worker's success, not yet committed
	if err != nil {
		t.Fatal(err)
	}
	if _, err := success.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL, last_success_at = now() WHERE id = 'we_real'`); err != nil {
		t.Fatal(err)
	}
	recorded := make(chan error, 1)
	go func() { recorded <- hooks.CompleteBatch(ctx, failures, time.Hour) }()
	time.Sleep(300 * time.Millisecond)
	if err := success.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-recorded; err != nil {
		t.Fatal(err)
	}
	var status string
	if err := db.Pool.QueryRow(ctx, `SELECT status FROM webhook_endpoints WHERE id = 'we_real'`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "enabled" {
		t.Errorf("endpoint %s: failures disabled it while a success was being recorded", status)
	}
}
