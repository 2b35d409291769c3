package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/projections"
)

// eventsPerStream: one client.created and nine client.updated per client,
// so each apply folds a real, short stream as in production.
const eventsPerStream = 10

// rebuildSpeed times projections.Rebuilder (what `worker projections rebuild
// documents` runs) over n generated events, in a database of its own on the
// same cluster so that the running worker does not relay or project them.
// The baseline is a scan of the same events in relay order through the
// same EventStore.ReadAfter batches: the read side alone, so the ratio is
// what folding and writing the read model costs on top.
func rebuildSpeed(ctx context.Context, s *system, n int) ([]Row, error) {
	db, streams, gen, err := generateEvents(ctx, s, "rebuild", n)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	total := streams * eventsPerStream
	store := postgres.NewEventStore(db, events.Upcast)
	scanned, scan, err := scanAll(ctx, db, store)
	if err != nil {
		return nil, err
	}

	fmt.Fprintf(os.Stderr, "rebuild: %d events generated in %s, scanned in %s; rebuilding\n", total, gen.Round(time.Second), scan.Round(time.Second))
	next := int64(100_000)
	rb := &projections.Rebuilder{DB: db, Store: store, Progress: func(done, all int64) {
		if done >= next { // a long phase should not look hung
			fmt.Fprintf(os.Stderr, "rebuild: %d/%d events\n", done, all)
			next += 100_000
		}
	}}
	res, err := rb.Rebuild(ctx, projections.NewDocuments(app.DocumentKinds()...), true)
	if err != nil {
		return nil, fmt.Errorf("rebuild: %w", err)
	}
	var docs int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&docs); err != nil {
		return nil, err
	}
	if docs != streams || int(res.Applied) != total || scanned != total {
		return nil, fmt.Errorf("rebuild: %d events applied, %d scanned, %d documents; want %d, %d, %d",
			res.Applied, scanned, docs, total, total, streams)
	}
	rate := float64(total) / res.Duration.Seconds()
	scanRate := float64(scanned) / scan.Seconds()
	return []Row{{
		Figure: fmt.Sprintf("projection rebuild events/s (documents, %d events over %d streams, %s; generated in %s)",
			total, streams, res.Duration.Round(time.Millisecond), gen.Round(time.Second)),
		Value:    f1(rate),
		Baseline: f1(scanRate) + " (ReadAfter scan of the same events in relay order)",
		Ratio:    ratio(rate, scanRate),
	}}, nil
}

// generateEvents fills a fresh database (name) with n client events (a little
// more: whole streams of eventsPerStream), copies of one real
// client.created and client.updated. It answers the database, the number
// of streams and how long the generation took.
func generateEvents(ctx context.Context, s *system, name string, n int) (*postgres.DB, int, time.Duration, error) {
	if err := s.cluster.CreateDatabase(ctx, name, ""); err != nil {
		return nil, 0, 0, err
	}
	db, err := postgres.Open(ctx, s.cluster.DSN(name), 4)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := postgres.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, 0, 0, err
	}
	// One real client.created from the API is the template of every event.
	var data, meta []byte
	if err := s.svc.DB.Pool.QueryRow(ctx, `SELECT data, metadata FROM events
		WHERE type = 'client.created' ORDER BY position LIMIT 1`).Scan(&data, &meta); err != nil {
		db.Close()
		return nil, 0, 0, fmt.Errorf("template event: %w", err)
	}
	streams := (n + eventsPerStream - 1) / eventsPerStream
	t0 := time.Now()
	// Version-major order interleaves the streams as live traffic does;
	// one transaction per version keeps each under a second or so.
	for v := 1; v <= eventsPerStream; v++ {
		typ := "client.updated"
		if v == 1 {
			typ = "client.created"
		}
		_, err := db.Pool.Exec(ctx, `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data, metadata, created_at)
			SELECT format('evt_%s%s', lpad($1::int::text, 2, '0'), lpad(g::text, 24, '0')), 'org_BENCH' || (g % 100), true,
				'cli_BENCH' || lpad(g::text, 22, '0'), $1::int, $2, $3, $4, now()
			FROM generate_series(1, $5::int) g`, v, typ, data, meta, streams)
		if err != nil {
			db.Close()
			return nil, 0, 0, fmt.Errorf("generate events: %w", err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE events`); err != nil {
		db.Close()
		return nil, 0, 0, err
	}
	return db, streams, time.Since(t0), nil
}

// scanAll reads every event in relay order, the rebuild's baseline.
func scanAll(ctx context.Context, db *postgres.DB, store *postgres.EventStore) (int, time.Duration, error) {
	t1 := time.Now()
	var scanned int
	for cur := (events.Cursor{}); ; {
		batch, err := store.ReadAfter(ctx, db.Pool, cur, 2000)
		if err != nil {
			return 0, 0, err
		}
		scanned += len(batch)
		if len(batch) == 0 {
			break
		}
		cur = batch[len(batch)-1].Cursor()
	}
	return scanned, time.Since(t1), nil
}
