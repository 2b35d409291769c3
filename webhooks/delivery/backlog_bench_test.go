package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/tools/bench/baseline"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// backlogSize is what BenchmarkDeliverBacklog drains each iteration: the
// issue asks for the deliverer to be measured on at least 4,000.
const backlogSize = 5000

// BenchmarkDeliverBacklog drains a backlog of backlogSize deliveries,
// all due at once, to one fast endpoint, with one Deliverer on its
// defaults, and reports deliveries/s against a plain loop of as many
// signed POSTs to the same receiver in the same iteration (the baseline
// of the bench's backlog row). It is there to profile the deliverer and
// its SQL in isolation: go test -bench DeliverBacklog -cpuprofile.
func BenchmarkDeliverBacklog(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := postgres.Open(ctx, pgtest.Migrated(b), 20)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	hooks := postgres.NewWebhookStore(postgres.NewEventStore(db, events.Upcast))
	var received atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	config := webhooks.Config{AllowNets: loopback, Timeout: 5 * time.Second, DisableAfter: time.Hour}
	secret, err := webhooks.NewSecret()
	if err != nil {
		b.Fatal(err)
	}
	org, ep := id.New(id.Organization), id.New(id.WebhookEndpt)
	if _, err := hooks.ExecuteEndpoint(ctx, events.Stream{ID: ep, OrgID: org, Livemode: true}, events.Metadata{},
		func([]events.Event) ([]events.Draft, error) {
			return webhooks.NewEndpoint(webhooks.EndpointInput{URL: rcv.URL, EnabledEvents: []string{"*"}}, secret, config.Policy())
		}); err != nil {
		b.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	d := &delivery.Deliverer{Store: hooks, Wake: hooks, Config: config, Log: slog.New(slog.DiscardHandler)}
	go func() { defer close(done); _ = d.Run(run) }()
	defer func() { stop(); <-done }()

	body := benchBody()
	var rate, loop float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		tag := fmt.Sprintf("b%d", i)
		if _, err := db.Pool.Exec(ctx, `INSERT INTO webhook_deliveries
				(id, org_id, livemode, endpoint_id, event_id, event_type, body, status, retries, next_attempt_at, event_created_at)
			SELECT 'wd_' || $2 || '_' || g, $5, true, $1, 'evt_' || $2 || '_' || g, $4, $6,
				'pending', true, now() + interval '1 hour', now()
			FROM generate_series(1, $3) g`, ep, tag, backlogSize, events.ClientCreated, org, body); err != nil {
			b.Fatal(err)
		}
		from := received.Load()
		b.StartTimer()
		t0 := time.Now()
		if _, err := db.Pool.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now()
			WHERE id LIKE $1 AND status = 'pending'`, "wd_"+tag+"_%"); err != nil {
			b.Fatal(err)
		}
		deadline := t0.Add(time.Minute)
		for received.Load()-from < backlogSize {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d delivered in a minute", received.Load()-from, backlogSize)
			}
			time.Sleep(time.Millisecond)
		}
		rate += backlogSize / time.Since(t0).Seconds()
		b.StopTimer()
		r, err := baseline.SignedPOSTs(rcv.URL, secret, body, backlogSize)
		if err != nil {
			b.Fatal(err)
		}
		loop += r
		b.StartTimer()
	}
	b.ReportMetric(rate/float64(b.N), "deliveries/s")
	b.ReportMetric(loop/float64(b.N), "loop-posts/s")
	b.ReportMetric(rate/loop, "ratio")
}

// benchBody is a delivery body of the size of a real invoice event's.
func benchBody() []byte {
	lines := strings.Repeat(`{"description":"Consulting hours","quantity":"1","unit_price":"725.87","taxes":[{"type":"IVA","rate":"0.16"}]},`, 6)
	return []byte(`{"id":"evt_x","object":"event","type":"invoice.created","resource":"inv_x","schema_version":"2024-01-01",` +
		`"data":{"object":{"id":"inv_x","object":"invoice","total":"725.87","items":[` + strings.TrimSuffix(lines, ",") + `]}}}`)
}
