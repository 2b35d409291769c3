package relay_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/jackc/pgx/v5"
)

// openWithXID begins a transaction on the pool that holds a transaction
// id, declared with postgres.NoEvents when noEvents.
func openWithXID(t *testing.T, e *env, noEvents bool) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := e.store.DB().Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	if noEvents {
		if err := postgres.NoEvents(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // assigns one
		t.Fatal(err)
	}
	return tx
}

// A transaction that declared it appends no events (a projection batch)
// does not hold back the events committed while it runs; any other open
// transaction still does, since it may yet append an event that sorts
// before them.
func TestRelayDoesNotWaitForTransactionsWithoutEvents(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	r := &relay.Relay{Store: e.store, JS: e.js}
	openWithXID(t, e, true)
	var want []string
	commitOne := func(stream string) {
		err := e.store.DB().Transact(ctx, func(tx pgx.Tx) error {
			want = append(want, e.appendOne(t, tx, stream))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	commitOne("cli_A")
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.published(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("published %v behind a transaction without events, want %v", got, want)
	}

	undeclared := openWithXID(t, e, false)
	commitOne("cli_B")
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.published(t); fmt.Sprint(got) != fmt.Sprint(want[:1]) {
		t.Fatalf("published %v while an older transaction that may append events was open, want %v", got, want[:1])
	}
	if err := undeclared.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.published(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("published %v, want %v", got, want)
	}
}

// The declaration binds: a transaction that made it cannot append events,
// which the relay would otherwise pass over.
func TestTransactionWithoutEventsCannotAppendOne(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	tx := openWithXID(t, e, true)
	_, err := tx.Exec(ctx, `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data)
		VALUES ('evt_x', 'org_t', true, 'cli_x', 1, 'client.created', '{}')`)
	if err == nil {
		t.Fatal("a transaction declared without events appended one")
	}
}
