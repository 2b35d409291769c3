package projections_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/projections"
)

// picky counts events like counter, but can never apply an event whose
// stream is cli_poison, and fails the first time it meets cli_flaky with
// a serialization failure (a transient error: it must be retried, not
// given up on).
type picky struct {
	counter
	flaked *atomic.Bool
}

func (picky) Name() string { return "test_picky" }
func (p picky) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	switch {
	case e.StreamID == "cli_poison":
		return errors.New("this event can never be applied")
	case e.StreamID == "cli_flaky" && p.flaked.CompareAndSwap(false, true):
		return &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
	}
	return p.counter.Apply(ctx, tx, e)
}

// A message the projection can never apply (undecodable, or its apply
// fails for a reason of its own) is recorded as poison and skipped: the
// following events are applied, and a transient failure is retried.
func TestRunnerSkipsPoisonMessages(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	db, err := postgres.Open(ctx, testenv.Postgres(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	defer func() { cancel(); <-stopped; db.Close() }()
	js, stream, store := runnerFixture(t, ctx, db, `CREATE TABLE test_counts (stream_id text PRIMARY KEY, n int NOT NULL)`)
	appendTo := func(streamID string) {
		_, err := store.Execute(ctx, events.Stream{ID: streamID, OrgID: "org_t", Livemode: true},
			events.Metadata{}, func(context.Context, *postgres.Tx, []events.Event) ([]events.Draft, error) {
				return []events.Draft{{Type: events.ClientUpdated, Data: map[string]int{}}}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if err := (&relay.Relay{Store: store, JS: js}).Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	appendTo("cli_a")
	if _, err := js.Publish(ctx, events.SubjectPrefix+".live.org_t.client.updated", []byte("\x00not json")); err != nil {
		t.Fatal(err)
	}
	appendTo("cli_poison")
	appendTo("cli_flaky")
	appendTo("cli_b")

	var poisoned atomic.Int32
	runner := &projections.Runner{Projection: picky{flaked: &atomic.Bool{}}, DB: db, Stream: stream,
		OnPoison: func(events.Poison) { poisoned.Add(1) }}
	go func() {
		for ctx.Err() == nil { // as the supervisor would
			_ = runner.Run(ctx)
		}
		close(stopped)
	}()
	waitCounts(t, db, 3) // cli_a, cli_flaky (retried), cli_b

	list, err := postgres.NewPoisonStore(db).ListPoison(ctx, "test_picky", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range list {
		got[fmt.Sprintf("%d %t", p.StreamSeq, p.EventID == "")] = true
	}
	if len(list) != 2 || !got["2 true"] || !got["3 false"] || poisoned.Load() != 2 {
		t.Fatalf("poison = %+v (hook %d), want the undecodable message 2 and the failing event 3", list, poisoned.Load())
	}
	time.Sleep(300 * time.Millisecond)
	waitCounts(t, db, 3)
}
