package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/projections"
	"github.com/facturo/facturo/webhooks/delivery"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
)

// Runner is a long-running worker component.
type Runner interface {
	Run(ctx context.Context) error
}

// Projections are every asynchronous projection, in the order they start.
func Projections() []projections.Projection {
	return []projections.Projection{
		projections.NewDocuments(DocumentKinds()...),
	}
}

// WorkerRunners are the worker role's components: the relay and one runner
// per projection. Every component coordinates through PostgreSQL locks and
// JetStream consumers, so any number of workers may run.
func WorkerRunners(s *Services) []Runner {
	m := NewWorkerMetrics(s.Registry)
	rs := []Runner{&relay.Relay{Store: s.Store, JS: s.JS, Log: s.Log, OnPublished: m.OnPublished}}
	var names []string
	for _, p := range Projections() {
		rs = append(rs, &projections.Runner{Projection: p, DB: s.DB, Stream: s.Stream, Log: s.Log,
			OnApplied: m.OnApplied(p.Name())})
		names = append(names, p.Name())
	}
	hooks := postgres.NewWebhookStore(s.Store)
	rs = append(rs, &delivery.Dispatcher{Store: hooks, Stream: s.Stream, Log: s.Log},
		&delivery.Deliverer{Store: hooks, Wake: hooks, Config: s.Config.Webhooks, Log: s.Log, OnAttempt: m.OnAttempt},
		&MetricsPoller{Metrics: m, DB: s.DB, Names: names, Log: s.Log})
	return rs
}

// RunWorker runs the worker components until ctx ends. If metricsLn is not
// nil it also serves /metrics there.
func RunWorker(ctx context.Context, s *Services, metricsLn net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, r := range WorkerRunners(s) {
		g.Go(func() error { return r.Run(ctx) })
	}
	if metricsLn != nil {
		srv := &http.Server{Handler: promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		g.Go(func() error {
			err := srv.Serve(metricsLn)
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		})
		g.Go(func() error {
			<-ctx.Done()
			return srv.Close()
		})
	}
	return g.Wait()
}
