package projections_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/projections"
	"github.com/jackc/pgx/v5"
)

// commitProbe records, for each event, whether the batch applying it
// waits for its WAL flush when it commits.
type commitProbe struct{}

func (commitProbe) Name() string                        { return "test_commit_probe" }
func (commitProbe) Reset(context.Context, pgx.Tx) error { return nil }
func (commitProbe) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	_, err := tx.Exec(ctx, `INSERT INTO test_commits (event_id, synchronous_commit)
		VALUES ($1, current_setting('synchronous_commit'))`, e.ID)
	return err
}

// A runner's batch commits its read-model rows and its checkpoint together,
// so a crash that loses the commit loses both and the runner applies the
// batch again: it must not wait for the WAL flush, which under load kept
// its transaction id open and held back the relay's snapshot horizon
// (and so every event written meanwhile). The sessions here commit
// synchronously by default, as a production server does.
func TestRunnerBatchesDoNotWaitForTheirWALFlush(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dsn := testenv.Postgres(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := postgres.Open(ctx, dsn+sep+"synchronous_commit=on", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer cancel()
	js, stream, store := runnerFixture(t, ctx, db, `CREATE TABLE test_commits (event_id text PRIMARY KEY, synchronous_commit text NOT NULL)`)
	for i := range 5 {
		_, err := store.Execute(ctx, events.Stream{ID: fmt.Sprintf("cli_%d", i), OrgID: "org_t", Livemode: true},
			events.Metadata{}, func(context.Context, *postgres.Tx, []events.Event) ([]events.Draft, error) {
				return []events.Draft{{Type: events.ClientUpdated, Data: map[string]int{"i": i}}}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := (&relay.Relay{Store: store, JS: js}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	runner := &projections.Runner{Projection: commitProbe{}, DB: db, Stream: stream, BatchSize: 2, Retry: 50 * time.Millisecond}
	stopped := make(chan struct{})
	go func() { _ = runner.Run(ctx); close(stopped) }()
	// The runner holds a pooled connection for its lock: stop it before
	// closing the pool, or Close waits forever.
	defer func() { cancel(); <-stopped }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM test_commits`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runner applied %d of 5 events", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rows, err := db.Pool.Query(ctx, `SELECT event_id, synchronous_commit FROM test_commits ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, setting string
		if err := rows.Scan(&id, &setting); err != nil {
			t.Fatal(err)
		}
		if setting != "off" {
			t.Errorf("event %s applied in a batch with synchronous_commit = %s, want off", id, setting)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var session string
	if err := db.Pool.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&session); err != nil || session != "on" {
		t.Fatalf("sessions of the test pool commit with synchronous_commit = %q (%v), want on", session, err)
	}
}
