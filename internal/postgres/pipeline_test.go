package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
)

func TestPipelineBookkeeping(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	cursors := postgres.NewRelayCursors(db.Pool)
	if c, err := cursors.Get(ctx, "main"); err != nil || c != (events.Cursor{}) {
		t.Fatalf("new cursor %+v, %v; want zero", c, err)
	}
	if pending, err := cursors.AnyAfter(ctx, events.Cursor{}); err != nil || pending {
		t.Fatalf("events after zero in an empty store: %v, %v", pending, err)
	}
	want := events.Cursor{TxID: 1 << 40, Position: 7} // beyond 32 bits: xid8 as text
	if err := cursors.Save(ctx, "main", want, 9); err != nil {
		t.Fatal(err)
	}
	if err := cursors.Save(ctx, "main", want, 3); err != nil { // stream_seq never goes back
		t.Fatal(err)
	}
	if c, err := cursors.Get(ctx, "main"); err != nil || c != want {
		t.Fatalf("cursor %+v, %v; want %+v", c, err, want)
	}

	cps := postgres.NewCheckpoints(db)
	if cp, err := cps.Read(ctx, "documents"); err != nil || cp.Cursor != (events.Cursor{}) || cp.StreamSeq != 0 {
		t.Fatalf("new checkpoint %+v, %v; want zero", cp, err)
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		cp, err := postgres.LockCheckpoint(ctx, tx, "documents")
		if err != nil {
			return err
		}
		cp.Cursor, cp.StreamSeq = want, 42
		return postgres.SaveCheckpoint(ctx, tx, cp)
	})
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := cps.StreamSeq(ctx, "documents"); err != nil || seq != 42 {
		t.Fatalf("stream seq %d, %v; want 42", seq, err)
	}
	list, err := cps.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "documents" || list[0].Cursor != want {
		t.Fatalf("checkpoints %+v, %v", list, err)
	}

	if q, err := postgres.NewStats(db).Queues(ctx); err != nil || q != (postgres.Queues{}) {
		t.Fatalf("queues of an empty store %+v, %v; want zero", q, err)
	}
}
