package relay_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/jackc/pgx/v5"
)

// runRelay runs r until the test ends and returns the ids it published,
// batch by batch.
func runRelay(t *testing.T, r *relay.Relay) <-chan []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	published := make(chan []string, 1024)
	r.OnPublished = func(b []events.Event) {
		ids := make([]string, len(b))
		for i, e := range b {
			ids[i] = e.ID
		}
		published <- ids
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return published
}

// awaitPublished waits for a batch holding id, failing after a bound far
// beyond any wake-up (but far below the relay's poll in these tests).
func awaitPublished(t *testing.T, published <-chan []string, id string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ids := <-published:
			for _, got := range ids {
				if got == id {
					return
				}
			}
		case <-deadline:
			t.Fatalf("%s never published", id)
		}
	}
}

// An API process wakes the relay of a worker process: the writer has its
// own pool and NATS connection, and announces its commits; the relay polls
// only once an hour, so only the wake-up can bring it the events.
func TestWriterInAnotherProcessWakesTheRelay(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	published := runRelay(t, &relay.Relay{Store: e.store, JS: e.js, Wakes: e.nc, Poll: time.Hour})

	wdb, err := postgres.Open(ctx, e.dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wdb.Close)
	wnc, err := natsjs.Connect(e.url, "writer", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wnc.Close)
	writer := postgres.NewEventStore(wdb, events.Upcast)
	writer.OnCommit = relay.Announce(wnc)
	for i := range 3 {
		st := events.Stream{ID: fmt.Sprintf("cli_wake%d", i), OrgID: "org_t", Livemode: true}
		added, err := writer.Run(ctx, events.Metadata{}, func(tx *postgres.Tx) error {
			_, err := tx.Append(ctx, st, 0, events.Draft{Type: events.ClientCreated, Data: map[string]string{}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		awaitPublished(t, published, added[0].ID)
	}
}

// The active relay keeps its cursor in memory: looking for events and
// finding none writes nothing (it used to upsert its cursor row on every
// wake-up and poll, a commit each), and a batch published saves it once.
func TestRelayWritesItsCursorOnlyWhenItPublishes(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	pool := e.store.DB().Pool
	published := runRelay(t, &relay.Relay{Store: e.store, JS: e.js, Poll: 5 * time.Millisecond})
	var id string
	if err := e.store.DB().Transact(ctx, func(tx pgx.Tx) error { id = e.appendOne(t, tx, "cli_first"); return nil }); err != nil {
		t.Fatal(err)
	}
	awaitPublished(t, published, id)
	version := func() string { // the row version: any write changes it
		var v string
		if err := pool.QueryRow(ctx, `SELECT xmin::text || '/' || ctid::text FROM relay_cursor WHERE name = 'main'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	time.Sleep(300 * time.Millisecond) // some sixty polls that find nothing
	if after := version(); after != before {
		t.Fatalf("relay cursor row rewritten (%s, then %s) while nothing was published", before, after)
	}
}
