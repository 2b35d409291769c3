package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/projections"
)

// thingKind folds "tst_" streams: thing.set sets n, thing.deleted deletes
// the thing (a later thing.set brings it back).
var thingKind = projections.DocumentKind{Name: "thing", Prefix: "tst", Fold: func(h []events.Event) (any, bool, error) {
	view := map[string]any{"id": h[0].StreamID, "status": "open", "sets": 0}
	exists := false
	for _, e := range h {
		switch e.Type {
		case "thing.set":
			var d struct{ N int }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, false, err
			}
			view["n"], view["sets"], exists = d.N, view["sets"].(int)+1, true
			if d.N%3 == 0 {
				view["status"] = "paid"
			}
		case "thing.deleted":
			exists = false
		}
	}
	return view, exists, nil
}}

// thingEvents stores n random events over streams tst_0..tst_{streams-1},
// each transaction appending to a few streams, and returns them in relay
// order.
func thingEvents(t testing.TB, db *postgres.DB, seed uint64, n, streams int) []events.Event {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	version := make([]int, streams)
	for i := 0; i < n; {
		b := &pgx.Batch{}
		for range min(1+rng.IntN(4), n-i) { // one transaction
			s := rng.IntN(streams)
			version[s]++
			typ, data := "thing.set", fmt.Sprintf(`{"n": %d}`, rng.IntN(100))
			if rng.IntN(5) == 0 {
				typ, data = "thing.deleted", `{}`
			}
			b.Queue(`INSERT INTO events (tx_id, id, org_id, livemode, stream_id, stream_version, type, data)
				VALUES (pg_current_xact_id(), $1, 'org_t', true, $2, $3, $4, $5)`,
				fmt.Sprintf("evt_%d_%d", seed, i), fmt.Sprintf("tst_%d", s), version[s], typ, data)
			i++
		}
		if err := db.Transact(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() }); err != nil {
			t.Fatal(err)
		}
	}
	all, err := postgres.NewEventStore(db, events.Upcast).ReadAfter(ctx, db.Pool, events.Cursor{}, n+1)
	if err != nil || len(all) != n {
		t.Fatalf("read back %d events, %v; want %d", len(all), err, n)
	}
	return all
}

func documentsDB(t testing.TB) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// applyInBatches resets the documents table and applies all in batches of
// the sizes next returns, one transaction each.
func applyInBatches(t testing.TB, db *postgres.DB, p *projections.Documents, all []events.Event, next func() int) {
	t.Helper()
	ctx := context.Background()
	if err := db.Transact(ctx, func(tx pgx.Tx) error { return p.Reset(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	for rest := all; len(rest) > 0; {
		n := min(next(), len(rest))
		if err := db.Transact(ctx, func(tx pgx.Tx) error { return p.ApplyBatch(ctx, tx, rest[:n]) }); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
}

func dumpDocuments(t testing.TB, db *postgres.DB) string {
	t.Helper()
	var dump string
	err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(
		concat_ws(' ', kind, id, org_id, livemode, status, series, version, data::text, created_at), E'\n' ORDER BY id), '')
		FROM documents`).Scan(&dump)
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

// TestDocumentsApplyBatchIsApplyInOrder: whatever the batch boundaries, the
// documents are those of applying the events one by one, in relay order.
func TestDocumentsApplyBatchIsApplyInOrder(t *testing.T) {
	db := documentsDB(t)
	p := projections.NewDocuments(thingKind)
	for seed := range uint64(4) {
		all := thingEvents(t, db, seed, 300, 12)
		applyInBatches(t, db, p, all, func() int { return 1 })
		want := dumpDocuments(t, db)
		if want == "" {
			t.Fatal("no documents")
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		for _, sizes := range []func() int{func() int { return len(all) }, func() int { return 1 + rng.IntN(40) }} {
			applyInBatches(t, db, p, all, sizes)
			if got := dumpDocuments(t, db); got != want {
				t.Fatalf("seed %d: batched documents differ\n got:\n%s\nwant:\n%s", seed, got, want)
			}
		}
		if _, err := db.Pool.Exec(context.Background(), `DELETE FROM events`); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkDocumentsApply compares applying a rebuild's batches of 2,000
// events (10 per stream) one event at a time with ApplyBatch.
func BenchmarkDocumentsApply(b *testing.B) {
	db := documentsDB(b)
	p := projections.NewDocuments(thingKind)
	all := thingEvents(b, db, 1, 2000, 200)
	for _, bc := range []struct {
		name string
		size int
	}{{"one-by-one", 1}, {"batch", len(all)}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				ctx := context.Background()
				err := db.Transact(ctx, func(tx pgx.Tx) error {
					if err := p.Reset(ctx, tx); err != nil {
						return err
					}
					for rest := all; len(rest) > 0; rest = rest[min(bc.size, len(rest)):] {
						if err := p.ApplyBatch(ctx, tx, rest[:min(bc.size, len(rest))]); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(all)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
