package e2e

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/projections"
)

// bulkClients appends n client.created events, copies of an existing one
// with new stream ids, straight into the events table: many real-shaped
// events fast.
func bulkClients(t *testing.T, s *system, orgID string, n int) {
	t.Helper()
	_, err := s.svc.DB.Pool.Exec(context.Background(), `INSERT INTO events
		(id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata)
		SELECT 'evt_bulk' || lpad(i::text, 8, '0') || md5(random()::text), e.org_id, e.livemode,
		       'cli_bulk' || lpad(i::text, 8, '0') || md5(random()::text), 1, e.type, e.schema_version, e.data, e.metadata
		FROM generate_series(1, $2) i,
		     (SELECT * FROM events WHERE org_id = $1 AND type = 'client.created' LIMIT 1) e`, orgID, n)
	if err != nil {
		t.Fatal(err)
	}
}

func maxPosition(t *testing.T, s *system) int64 {
	t.Helper()
	var p int64
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT max(position) FROM events`).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// documentsDigest is a digest of the documents of an org (id, version, data).
func documentsDigest(t *testing.T, s *system, orgID string) (int, string) {
	t.Helper()
	var n int
	var d string
	err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT count(*), COALESCE(md5(string_agg(id || version || data::text, ',' ORDER BY id)), '')
		FROM documents WHERE org_id = $1`, orgID).Scan(&n, &d)
	if err != nil {
		t.Fatal(err)
	}
	return n, d
}

func waitCheckpoint(t *testing.T, s *system, name string, pos int64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		cp, err := projections.ReadCheckpoint(context.Background(), s.svc.DB, name)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Cursor.Position >= pos {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s stuck at %d, want %d", name, cp.Cursor.Position, pos)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func documentsProjection(t *testing.T) projections.Tabled {
	t.Helper()
	for _, p := range app.Projections() {
		if tp, ok := p.(projections.Tabled); ok && p.Name() == "documents" {
			return tp
		}
	}
	t.Fatal("no documents projection")
	return nil
}

// TestRebuildWithoutDowntime rebuilds the documents projection while the
// API keeps writing and listing: every list answers, the rebuilt table holds
// the same rows as the live one did, writes made during the rebuild are in
// it, and indexes keep their names.
func TestRebuildWithoutDowntime(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("rebuild@example.com")
	for range 5 {
		s.must(201, "POST", "/v1/clients", tk.live, acme)
	}
	const bulk = 5000
	bulkClients(t, s, tk.orgID, bulk)
	live := waitCheckpoint(t, s, "documents", maxPosition(t, s), time.Minute)
	if nBefore, _ := documentsDigest(t, s, tk.orgID); nBefore != 5+bulk {
		t.Fatalf("documents before rebuild: %d, want %d", nBefore, 5+bulk)
	}

	// Writers and readers during the rebuild.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var written, reads, failed atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if r := s.call("POST", "/v1/clients", tk.live, acme); r.Status == 201 {
				written.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if r := s.call("GET", "/v1/clients?limit=3", tk.live, nil); r.Status != 200 || len(r.list()) != 3 {
				failed.Add(1)
			}
			reads.Add(1)
		}
	}()
	rb := &projections.Rebuilder{DB: s.svc.DB, Store: s.svc.Store, BatchSize: 1000}
	res, err := rb.Rebuild(context.Background(), documentsProjection(t), false)
	time.Sleep(100 * time.Millisecond) // some writes after the swap too
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if failed.Load() > 0 {
		t.Fatalf("%d of %d list requests failed during the rebuild", failed.Load(), reads.Load())
	}
	waitCheckpoint(t, s, "documents", maxPosition(t, s), 30*time.Second)
	eventually(t, "documents of writes during the rebuild", func() bool {
		n, _ := documentsDigest(t, s, tk.orgID)
		return n == 5+bulk+int(written.Load())
	})
	rows, err := s.svc.DB.Pool.Query(context.Background(), `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'documents' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		names = append(names, n)
	}
	if want := []string{"documents_list", "documents_pkey"}; !slices.Equal(names, want) {
		t.Errorf("indexes after swap: %v, want %v", names, want)
	}
	rate := float64(res.Applied) / res.Duration.Seconds()
	liveRate := float64(bulk) / live.Seconds()
	t.Logf("rebuild: %d events in %s (%.0f ev/s) while %d writes and %d reads; live pipeline (relay+runner) baseline %.0f ev/s; ratio %.1fx",
		res.Applied, res.Duration, rate, written.Load(), reads.Load(), liveRate, rate/liveRate)
}

// TestRebuildResumesAfterInterrupt stops a rebuild after its first batch
// (as Ctrl-C does) and shows that a rerun continues from the rebuild's own
// checkpoint and ends with the same read model.
func TestRebuildResumesAfterInterrupt(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("resume@example.com")
	s.must(201, "POST", "/v1/clients", tk.live, acme)
	bulkClients(t, s, tk.orgID, 3000)
	waitCheckpoint(t, s, "documents", maxPosition(t, s), time.Minute)
	nBefore, digestBefore := documentsDigest(t, s, tk.orgID)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rb := &projections.Rebuilder{DB: s.svc.DB, Store: s.svc.Store, BatchSize: 500,
		Progress: func(done, total int64) { cancel() }}
	_, err := rb.Rebuild(ctx, documentsProjection(t), false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted rebuild: %v, want context.Canceled", err)
	}
	ps, err := replay.ProjectionPositions(context.Background(), s.svc.DB, []string{"documents"})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Rebuild == nil || ps[0].Rebuild.Applied != 500 {
		t.Fatalf("rebuild state after interrupt: %+v", ps[0].Rebuild)
	}

	rb = &projections.Rebuilder{DB: s.svc.DB, Store: s.svc.Store, BatchSize: 500}
	res, err := rb.Rebuild(context.Background(), documentsProjection(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || res.Applied != maxPosition(t, s) {
		t.Fatalf("resumed rebuild: %+v, want resumed with %d events", res, maxPosition(t, s))
	}
	nAfter, digestAfter := documentsDigest(t, s, tk.orgID)
	if nAfter != nBefore || digestAfter != digestBefore {
		t.Fatalf("after rebuild: %d documents digest %s, want %d %s", nAfter, digestAfter, nBefore, digestBefore)
	}
	ps, _ = replay.ProjectionPositions(context.Background(), s.svc.DB, []string{"documents"})
	if ps[0].Rebuild != nil || ps[0].Lag.Events != 0 {
		t.Fatalf("after rebuild: %+v", ps[0])
	}
}
