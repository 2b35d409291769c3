package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/testenv"
	"github.com/jackc/pgx/v5/pgxpool"
)

// hotQuery is a query that runs once or more per request or per relayed
// batch, with the parameters it is explained with and the indexes its
// plan may use (one of them must be used, and no other scan of events).
type hotQuery struct {
	name    string
	sql     string
	params  string // literal arguments of EXECUTE
	indexes []string
	// replanned: run in a deliveryTx, which plans it at every execution.
	replanned bool
}

var hotQueries = []hotQuery{
	{"stream load", loadStreamSQL, `'cli_0000042', 'org_big', true`,
		[]string{"events_stream_version_key"}, false},
	{"stream load as of", loadStreamAsOfSQL, `'cli_0000042', 'org_big', true, now()`,
		[]string{"events_stream_version_key"}, false},
	{"stream up to a version", loadUpToSQL, `'cli_0000042', 3`,
		[]string{"events_stream_version_key"}, false},
	{"streams up to versions", loadStreamsUpToSQL, `'{cli_0000042,cli_0000043}', '{3,4}'`,
		[]string{"events_stream_version_key"}, false},
	{"event by id", eventByIDSQL, `'evt_0000042', 'org_big', true`,
		[]string{"events_id_key", "events_tenant"}, false},
	{"relay read", readAfterSQL, `'0', 0, 500`,
		[]string{"events_relay_order"}, false},
	{"relay pending check", relayPendingSQL, `'0', 0`,
		[]string{"events_relay_order"}, false},
	{"delivery claim", claimSQL, `'{}', '{}', 32, 64, 30, 'tok'`,
		[]string{"webhook_deliveries_endpoint_due", "webhook_deliveries_pkey", "webhook_endpoints_pkey"}, true},
	{"delivery claim, fifo and rate-limited endpoints", claimGatedSQL, `'{}', '{}', 32, 64, 30, 'tok'`,
		[]string{"webhook_deliveries_endpoint_due", "webhook_deliveries_endpoint_order", "webhook_deliveries_pkey",
			"webhook_endpoints_pkey", "webhook_endpoints_gated", "webhook_endpoint_slots_pkey"}, true},
	{"delivery completions", completeDeliveriesSQL,
		`'{wd_0000042}', '{tok}', '{succeeded}', '{null}', '{2026-01-01}', '{200}', '{""}'`,
		[]string{"webhook_deliveries_pkey"}, true},
}

// growingTables are the tables whose size grows with the tenants' history:
// a hot query must not scan them.
var growingTables = []string{"events", "webhook_deliveries"}

// The hot queries use their intended index under a generic plan, the plan
// a prepared statement keeps once PostgreSQL stops planning it per call
// (pgx prepares every statement). A stream load that a generic plan drove
// by the tenant index read every event of the organization to find one
// stream's, so its cost grew with the tenant's history. Checked before
// statistics exist (a young table, autovacuum off), after ANALYZE, and
// with a backlog of pending deliveries of real size to one endpoint: the
// claim joined what it picked to the deliveries by id, and with those
// statistics the plan hashed the picked rows and read every delivery, on
// every claim.
func TestHotQueriesUseTheirIndexUnderAGenericPlan(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	// 1,000 events of one tenant over 100 streams of 10, and a few of
	// another; 2,000 webhook deliveries, one in ten pending.
	_, err := db.Pool.Exec(ctx, `ALTER TABLE events SET (autovacuum_enabled = off);
		ALTER TABLE webhook_deliveries SET (autovacuum_enabled = off);
		INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data)
		SELECT 'evt_' || lpad(g::text, 7, '0'), CASE WHEN g < 1000 THEN 'org_big' ELSE 'org_small' END,
		       true, 'cli_' || lpad((g / 10)::text, 7, '0'), g % 10 + 1, 'client.updated', '{"legal_name": "ACME"}'
		FROM generate_series(0, 1049) g;
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, next_attempt_at, event_created_at, lease_token)
		SELECT 'wd_' || lpad(g::text, 7, '0'), 'org_big', true, 'we_' || g % 20, 'evt_' || lpad(g::text, 7, '0'),
		       'client.updated', '\x00', CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'succeeded' END, true, now(), now(), 'tok'
		FROM generate_series(0, 1999) g`)
	if err != nil {
		t.Fatal(err)
	}
	for _, stats := range []string{"no statistics", "analyzed", "a backlog, analyzed"} {
		switch stats {
		case "analyzed":
			if _, err := db.Pool.Exec(ctx, `ANALYZE events, webhook_deliveries`); err != nil {
				t.Fatal(err)
			}
		case "a backlog, analyzed":
			if _, err := db.Pool.Exec(ctx, `INSERT INTO webhook_endpoints (id, org_id, livemode, url, enabled_events,
					status, secret, version, data, created_at)
				SELECT CASE WHEN g = 0 THEN 'we_backlog' ELSE 'we_' || g END, 'org_' || g % 50, true,
				       'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now()
				FROM generate_series(0, 199) g;
				DELETE FROM webhook_deliveries;
				INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
					retries, next_attempt_at, event_created_at)
				SELECT 'wd_b' || g, 'org_big', true, 'we_backlog', 'evt_b' || g, 'client.updated',
				       convert_to(repeat('x', 1200), 'UTF8'), 'pending', true, now(), now()
				FROM generate_series(1, 5000) g;
				ANALYZE webhook_endpoints, webhook_deliveries`); err != nil {
				t.Fatal(err)
			}
		}
		for i, q := range hotQueries {
			plan, err := genericPlan(ctx, db, fmt.Sprintf("hot_%d", i), q)
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			if msg := checkPlan(plan, q.indexes); msg != "" {
				t.Errorf("%s (%s): %s; plan:\n%s", q.name, stats, msg, plan)
			}
		}
	}
}

// A pooled connection keeps the generic plan of a prepared statement,
// made at its sixth use, until an ANALYZE of its tables: one made while
// the tables were small scans them whole as they grow. The statements of
// claims and completions are replanned at every execution (deliveryTx),
// so that a backlog that fills a young install's webhook_deliveries never
// meets such a plan: prepared on a young install (a few rows, analyzed),
// they are checked after a backlog of 5,000 deliveries arrived. (The
// others keep a stale plan until autovacuum analyzes the grown table,
// within a minute or two of its growth; they run too often per request
// to be planned at each execution.)
func TestHotQueriesKeepTheirIndexAsTablesGrow(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	if _, err := db.Pool.Exec(ctx, `ALTER TABLE events SET (autovacuum_enabled = off);
		ALTER TABLE webhook_deliveries SET (autovacuum_enabled = off);
		INSERT INTO webhook_endpoints (id, org_id, livemode, url, enabled_events, status, secret, version, data, created_at)
		SELECT 'we_' || g, 'org_big', true, 'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now()
		FROM generate_series(0, 3) g;
		INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data)
		SELECT 'evt_y' || g, 'org_big', true, 'cli_y' || g, 1, 'client.updated', '{}' FROM generate_series(1, 20) g;
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, next_attempt_at, event_created_at)
		SELECT 'wd_y' || g, 'org_big', true, 'we_' || g % 4, 'evt_y' || g, 'client.updated', '{}',
		       CASE WHEN g % 2 = 0 THEN 'pending' ELSE 'succeeded' END, true, now(), now()
		FROM generate_series(1, 20) g;
		ANALYZE`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for i, q := range hotQueries {
		if q.replanned {
			if _, err := explainReplanned(ctx, conn, fmt.Sprintf("young_%d", i), q); err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
		}
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data)
		SELECT 'evt_' || lpad(g::text, 7, '0'), 'org_big', true, 'cli_' || lpad((g / 10)::text, 7, '0'), g % 10 + 1,
		       'client.updated', '{"legal_name": "ACME"}'
		FROM generate_series(0, 999) g;
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, next_attempt_at, event_created_at)
		SELECT 'wd_b' || g, 'org_big', true, 'we_0', 'evt_b' || g, 'client.updated',
		       convert_to(repeat('x', 1200), 'UTF8'), 'pending', true, now(), now()
		FROM generate_series(1, 5000) g`); err != nil {
		t.Fatal(err)
	}
	for i, q := range hotQueries {
		if !q.replanned {
			continue
		}
		plan, err := explainReplanned(ctx, conn, fmt.Sprintf("young_%d", i), q)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		if msg := checkPlan(plan, q.indexes); msg != "" {
			t.Errorf("%s (prepared young): %s; plan:\n%s", q.name, msg, plan)
		}
	}
}

// explainReplanned explains q prepared as name on conn (preparing it if it
// is not), in a transaction of deliveryTx's settings, after five
// executions of the prepared statement: a plan_cache_mode left to
// PostgreSQL would have settled on the generic plan by then.
func explainReplanned(ctx context.Context, conn *pgxpool.Conn, name string, q hotQuery) (string, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := deliveryTx(ctx, tx); err != nil {
		return "", err
	}
	if err := prepare(ctx, tx, name, q); err != nil {
		return "", err
	}
	for range 5 {
		if _, err := tx.Exec(ctx, `EXPLAIN EXECUTE `+name+`(`+q.params+`)`); err != nil {
			return "", err
		}
	}
	return explainRows(ctx, tx, `EXPLAIN EXECUTE `+name+`(`+q.params+`)`)
}

// prepare prepares q as name, unless it is.
func prepare(ctx context.Context, q Querier, name string, h hotQuery) error {
	var prepared bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = $1)`, name).Scan(&prepared); err != nil {
		return err
	}
	if prepared {
		return nil
	}
	_, err := q.Exec(ctx, `PREPARE `+name+` AS `+h.sql)
	return err
}

// migratedDB is a database of its own with the schema, closed when t ends.
func migratedDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// genericPlan explains q's generic plan on a connection of its own.
func genericPlan(ctx context.Context, db *DB, name string, q hotQuery) (string, error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	defer func() { _, _ = conn.Exec(ctx, `DEALLOCATE `+name) }()
	return explainGeneric(ctx, conn, name, q)
}

// explainGeneric explains the generic plan of q prepared as name on conn,
// preparing it first if it is not (the plan is then made now, and kept).
func explainGeneric(ctx context.Context, conn *pgxpool.Conn, name string, q hotQuery) (string, error) {
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.Exec(ctx, `RESET plan_cache_mode`) }()
	if err := prepare(ctx, conn, name, q); err != nil {
		return "", err
	}
	return explainRows(ctx, conn, `EXPLAIN EXECUTE `+name+`(`+q.params+`)`)
}

// explainRows runs an EXPLAIN and returns its lines.
func explainRows(ctx context.Context, q Querier, explain string) (string, error) {
	rows, err := q.Query(ctx, explain)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// checkPlan says what is wrong with plan: a sequential scan of a growing
// table, an index that is not one of want, or none of want at all.
func checkPlan(plan string, want []string) string {
	for _, table := range growingTables {
		if strings.Contains(plan, "Seq Scan on "+table+" ") {
			return "sequential scan of " + table
		}
	}
	used := false
	for _, line := range strings.Split(plan, "\n") {
		_, after, ok := strings.Cut(line, "Index Scan using ")
		if !ok {
			_, after, ok = strings.Cut(line, "Bitmap Index Scan on ")
		}
		if !ok {
			_, after, ok = strings.Cut(line, "Index Only Scan using ")
		}
		if !ok {
			continue
		}
		index, _, _ := strings.Cut(after, " ")
		if !slices.Contains(want, index) {
			return "uses " + index + ", want " + strings.Join(want, " or ")
		}
		used = true
	}
	if !used {
		return "uses no index, want " + strings.Join(want, " or ")
	}
	return ""
}
