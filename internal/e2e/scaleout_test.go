package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
)

// TestScaleOut runs two API processes and two worker processes (each its
// own Services: pools, NATS connections, metrics) on one PostgreSQL and one
// NATS, writes through both APIs, and checks that every event is relayed
// once and in order, every projection is complete, every webhook is
// delivered once, and that the workers shared the work: one relays (the
// advisory lock), both deliver (SKIP LOCKED claims).
func TestScaleOut(t *testing.T) {
	dsn, ns := pgtest.Migrated(t), testenv.NATS(t)
	env := map[string]string{"DATABASE_URL": dsn, "NATS_URL": ns.URL(), "FACTURO_ADMIN_KEY": testAdminKey,
		"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.BcryptCost = bcrypt.MinCost
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var closers []func()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, c := range closers {
			c()
		}
	})
	connect := func(name string) *app.Services {
		svc, err := app.Connect(ctx, cfg, log, name)
		if err != nil {
			t.Fatal(err)
		}
		closers = append(closers, svc.Close)
		return svc
	}
	var apis []*system
	for i := range 2 {
		svc := connect(fmt.Sprintf("api%d", i+1))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = app.RunAPI(ctx, svc, ln) })
		apis = append(apis, newSystem(t, "http://"+ln.Addr().String(), svc))
	}
	var workers []*app.Services
	for i := range 2 {
		svc := connect(fmt.Sprintf("worker%d", i+1))
		wg.Go(func() { _ = app.RunWorker(ctx, svc, nil) })
		workers = append(workers, svc)
	}

	// A receiver slow enough that one worker's per-endpoint cap fills up.
	var mu sync.Mutex
	received := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		received[r.Header.Get("webhook-id")]++
		mu.Unlock()
	}))
	defer rcv.Close()

	tk := apis[0].newTenant("scale@example.com")
	apis[1].must(201, "POST", "/v1/webhook_endpoints", tk.live,
		map[string]any{"url": rcv.URL, "enabled_events": []string{"client.created"}})
	const n = 40
	var writes sync.WaitGroup
	for i := range n {
		writes.Go(func() { apis[i%2].must(201, "POST", "/v1/clients", tk.live, acme) })
	}
	writes.Wait()

	// Every event relayed once, in relay order.
	eventually(t, "the relay caught up", func() bool {
		rl, err := replay.RelayPosition(ctx, workers[0].DB)
		return err == nil && rl.Lag.Events == 0
	})
	ids := relayOrder(t, workers[0])
	info, err := workers[0].Stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(len(ids)) {
		t.Fatalf("stream holds %d messages, events table %d", info.State.Msgs, len(ids))
	}
	streamed := streamIDs(t, workers[0].Stream, len(ids))
	if fmt.Sprint(streamed) != fmt.Sprint(ids) {
		t.Fatalf("stream order differs from relay order:\n stream %v\n events %v", streamed, ids)
	}

	// Every projection complete, seen from both APIs.
	eventually(t, "projections caught up", func() bool {
		ps, err := replay.ProjectionPositions(ctx, workers[1].DB, []string{"documents"})
		return err == nil && ps[0].Lag.Events == 0
	})
	for _, a := range apis {
		if got := len(a.must(200, "GET", "/v1/clients?limit=100", tk.live, nil).list()); got != n {
			t.Fatalf("clients listed by %s: %d, want %d", a.base, got, n)
		}
	}

	// Every webhook delivered, once.
	eventually(t, "webhooks delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(received) == n
	})
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	for id, c := range received {
		if c != 1 {
			t.Errorf("webhook %s received %d times", id, c)
		}
	}
	mu.Unlock()

	// The gauges a periodic query keeps, on either worker.
	poller := &app.MetricsPoller{Metrics: app.NewWorkerMetrics(workers[1].Registry), DB: workers[1].DB, Names: []string{"documents"}}
	if err := poller.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"facturo_events_appended": float64(len(ids)),
		"facturo_projection_lag_events": 0, "facturo_relay_lag_events": 0, "facturo_webhook_queue_depth": 0} {
		if got := metric(t, workers[1].Registry, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// Each API counted the events it appended.
	var created [2]float64
	for i, a := range apis {
		created[i] = metric(t, a.svc.Registry, "facturo_events_appended_total", map[string]string{"type": "client.created"})
	}
	if created[0]+created[1] != n || created[0] == 0 || created[1] == 0 {
		t.Errorf("client.created appended by api1/api2: %v, want %d in all, some by each", created, n)
	}

	// The work was shared.
	var relayed, delivered [2]float64
	for i, w := range workers {
		relayed[i] = metric(t, w.Registry, "facturo_relay_events_published_total", nil)
		delivered[i] = metric(t, w.Registry, "facturo_webhook_deliveries_total", map[string]string{"outcome": "succeeded"})
	}
	t.Logf("events %d; relayed by worker1/worker2: %v; webhooks delivered by worker1/worker2: %v", len(ids), relayed, delivered)
	if relayed[0]+relayed[1] != float64(len(ids)) || (relayed[0] != 0 && relayed[1] != 0) {
		t.Errorf("relayed %v: want all %d events by the one active relay", relayed, len(ids))
	}
	if delivered[0]+delivered[1] != n || delivered[0] == 0 || delivered[1] == 0 {
		t.Errorf("delivered %v: want %d shared by both workers", delivered, n)
	}
}

// relayOrder lists the stored event ids in relay order.
func relayOrder(t *testing.T, s *app.Services) []string {
	t.Helper()
	var ids []string
	err := replay.Walk(context.Background(), s.Store, replay.Range{FromPos: 1}, 1000, func(_ int64, b []events.Event) error {
		for _, e := range b {
			ids = append(ids, e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// streamIDs reads the first n messages of the stream.
func streamIDs(t *testing.T, st jetstream.Stream, n int) []string {
	t.Helper()
	cons, err := st.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for m := range batch.Messages() {
		ids = append(ids, m.Headers().Get("Nats-Msg-Id"))
	}
	return ids
}

// metric reads one counter or gauge of a registry (0 if absent).
func metric(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}
