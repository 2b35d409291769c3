package projections_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/projections"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
)

// counter counts events per stream: applying an event twice would show.
type counter struct{}

func (counter) Name() string { return "test_counter" }
func (counter) Reset(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `TRUNCATE test_counts`)
	return err
}
func (counter) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	_, err := tx.Exec(ctx, `INSERT INTO test_counts (stream_id, n) VALUES ($1, 1)
		ON CONFLICT (stream_id) DO UPDATE SET n = test_counts.n + 1`, e.StreamID)
	return err
}

func TestRedeliveryIsHarmlessAndRebuildRestoresTheReadModel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	db, err := postgres.Open(ctx, testenv.Postgres(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	// The runner holds a pooled connection for its lock: stop it before
	// closing the pool, or Close waits forever.
	defer func() { cancel(); <-stopped; db.Close() }()
	js, stream, store := runnerFixture(t, ctx, db, `CREATE TABLE test_counts (stream_id text PRIMARY KEY, n int NOT NULL)`)
	for i := range 30 {
		_, err := store.Execute(ctx, events.Stream{ID: fmt.Sprintf("cli_%d", i%10), OrgID: "org_t", Livemode: true},
			events.Metadata{}, func(context.Context, *postgres.Tx, []events.Event) ([]events.Draft, error) {
				return []events.Draft{{Type: events.ClientUpdated, Data: map[string]int{"i": i}}}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	r := &relay.Relay{Store: store, JS: js}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	runner := &projections.Runner{Projection: counter{}, DB: db, Stream: stream, BatchSize: 7, Retry: 50 * time.Millisecond}
	go func() { _ = runner.Run(ctx); close(stopped) }()
	waitCounts(t, db, 30)

	// Republish every event under fresh message ids (as a replay beyond the
	// dedupe window would): the stream now holds each event twice.
	all, err := store.ReadAfter(ctx, db.Pool, events.Cursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		msg, _ := relay.Message(e)
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("again-"+e.ID)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	waitCounts(t, db, 30) // unchanged: every copy was at or before the checkpoint

	// Rebuild from position zero while the runner runs.
	if err := projections.Reset(ctx, db, counter{}); err != nil {
		t.Fatal(err)
	}
	waitCounts(t, db, 30)
	cp, err := projections.ReadCheckpoint(ctx, db, "test_counter")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Cursor != all[len(all)-1].Cursor() {
		t.Fatalf("checkpoint %v, want the last event's cursor %v", cp.Cursor, all[len(all)-1].Cursor())
	}
}

func waitCounts(t *testing.T, db *postgres.DB, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var sum int
		if err := db.Pool.QueryRow(context.Background(), `SELECT COALESCE(sum(n), 0) FROM test_counts`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if sum == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("read model counts %d applications, want %d", sum, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runnerFixture migrates db, creates the test projection's table with ddl,
// and returns JetStream on the test's NATS server, its EVENTS stream and
// the event store that runner tests append to.
func runnerFixture(t *testing.T, ctx context.Context, db *postgres.DB, ddl string) (jetstream.JetStream, jetstream.Stream, *postgres.EventStore) {
	t.Helper()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	nc, err := natsjs.Connect(testenv.NATS(t).URL(), t.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	stream, err := natsjs.EnsureStream(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	return js, stream, postgres.NewEventStore(db, events.Upcast)
}
