package app

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/metrics"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/projections"
	"github.com/facturo/facturo/webhooks"
	"github.com/prometheus/client_golang/prometheus"
)

// WorkerMetrics are the worker role's Prometheus instruments. Counters are
// per process (what this worker did: which copy relays, which delivers);
// gauges come from a periodic query and describe the whole system, so any
// copy's values will do.
type WorkerMetrics struct {
	Relayed    prometheus.Counter
	Applied    *prometheus.CounterVec // projection → events applied by this process
	Deliveries *prometheus.CounterVec // outcome → attempts recorded by this process
	Poison     *prometheus.CounterVec // consumer → poison messages this process gave up on

	eventsStored    prometheus.Gauge
	relayLagEvents  prometheus.Gauge
	relayLagSeconds prometheus.Gauge
	projLagEvents   *prometheus.GaugeVec
	projLagSeconds  *prometheus.GaugeVec
	deliveriesQueue *prometheus.GaugeVec // state (due, retrying) → deliveries
}

// NewWorkerMetrics registers the worker instruments on reg, reusing those
// already registered (one registry may serve the API and the worker roles,
// and WorkerRunners may be called more than once).
func NewWorkerMetrics(reg prometheus.Registerer) *WorkerMetrics {
	return &WorkerMetrics{
		Relayed: metrics.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "facturo_relay_events_published_total", Help: "Events this process published to JetStream as the active relay."})),
		Applied: metrics.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facturo_projection_events_applied_total", Help: "Stream messages this process applied (or skipped as seen) per projection."},
			[]string{"projection"})),
		Deliveries: metrics.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facturo_webhook_deliveries_total", Help: "Webhook attempts this process recorded, by outcome (succeeded, retry, failed, skipped)."},
			[]string{"outcome"})),
		Poison: metrics.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facturo_poison_events_total", Help: "Stream messages this process recorded as poison (never applicable) and skipped, per consumer."},
			[]string{"consumer"})),
		eventsStored: metrics.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "facturo_events_appended", Help: "Events appended to the store so far (highest position); rate() gives events appended per second."})),
		relayLagEvents: metrics.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "facturo_relay_lag_events", Help: "Events stored but not yet published by the relay."})),
		relayLagSeconds: metrics.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "facturo_relay_lag_seconds", Help: "Age of the oldest event not yet published by the relay."})),
		projLagEvents: metrics.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "facturo_projection_lag_events", Help: "Events stored after a projection's checkpoint."}, []string{"projection"})),
		projLagSeconds: metrics.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "facturo_projection_lag_seconds", Help: "Age of the oldest event a projection has not applied."}, []string{"projection"})),
		deliveriesQueue: metrics.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "facturo_webhook_queue_depth", Help: "Pending webhook deliveries: due now, and waiting for a retry."}, []string{"state"})),
	}
}

// OnPublished counts a relayed batch (relay.Relay.OnPublished).
func (m *WorkerMetrics) OnPublished(batch []events.Event) { m.Relayed.Add(float64(len(batch))) }

// OnPoison counts a poison message (delivery.Dispatcher.OnPoison,
// projections.Runner.OnPoison).
func (m *WorkerMetrics) OnPoison(p events.Poison) { m.Poison.WithLabelValues(p.Consumer).Inc() }

// OnApplied returns a projections.Runner hook counting applied messages.
func (m *WorkerMetrics) OnApplied(name string) func(projections.Checkpoint, int) {
	c := m.Applied.WithLabelValues(name)
	return func(_ projections.Checkpoint, n int) { c.Add(float64(n)) }
}

// OnAttempt counts a recorded webhook attempt (delivery.Deliverer.OnAttempt).
func (m *WorkerMetrics) OnAttempt(_ webhooks.Claimed, _ webhooks.AttemptResult, d webhooks.Decision) {
	outcome := d.Status
	if outcome == "pending" {
		outcome = "retry"
	}
	m.Deliveries.WithLabelValues(outcome).Inc()
}

// MetricsPoller refreshes the gauges that only a query can tell: lags and
// queue depths. It is a worker component.
type MetricsPoller struct {
	Metrics  *WorkerMetrics
	DB       *postgres.DB
	Names    []string // projections
	Interval time.Duration
}

// Run polls until ctx ends, then returns nil; it returns the error of a
// poll that failed (its supervisor starts it over).
func (p *MetricsPoller) Run(ctx context.Context) error {
	if p.Interval <= 0 {
		p.Interval = 5 * time.Second
	}
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for {
		if err := p.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("metrics poll: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll refreshes every gauge once.
func (p *MetricsPoller) Poll(ctx context.Context) error {
	m := p.Metrics
	rl, err := replay.RelayPosition(ctx, p.DB)
	if err != nil {
		return err
	}
	m.relayLagEvents.Set(float64(rl.Lag.Events))
	m.relayLagSeconds.Set(rl.Lag.Seconds)
	ps, err := replay.ProjectionPositions(ctx, p.DB, p.Names)
	if err != nil {
		return err
	}
	for _, pp := range ps {
		m.projLagEvents.WithLabelValues(pp.Name).Set(float64(pp.Lag.Events))
		m.projLagSeconds.WithLabelValues(pp.Name).Set(pp.Lag.Seconds)
	}
	q, err := postgres.NewStats(p.DB).Queues(ctx)
	if err != nil {
		return err
	}
	m.eventsStored.Set(float64(q.EventsStored))
	m.deliveriesQueue.WithLabelValues("due").Set(float64(q.DeliveriesDue))
	m.deliveriesQueue.WithLabelValues("retrying").Set(float64(q.DeliveriesRetrying))
	return nil
}
