package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/facturo/facturo/internal/mail"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/recurring"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/supervise"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/facturo/facturo/projections"
	"github.com/facturo/facturo/webhooks/delivery"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
)

// Projections are every asynchronous projection, in the order they start.
func Projections() []projections.Projection {
	return []projections.Projection{
		projections.NewDocuments(DocumentKinds()...),
	}
}

// WorkerComponents are the worker role's components: the relay, one
// runner per projection, the webhook fan-out and deliverer, the mailer,
// the recurring invoices runner, the metrics poller and the VeriFactu sandbox submitter. Every component coordinates through PostgreSQL locks and
// JetStream consumers, so any number of workers may run. Each runs under
// the process's supervise.Group (RunWorker), which restarts it when it
// fails.
func WorkerComponents(s *Services) []supervise.Component {
	m := NewWorkerMetrics(s.Registry)
	cs := []supervise.Component{{Name: "relay",
		Run: (&relay.Relay{Store: s.Store, JS: s.JS, Wakes: s.NC, Log: s.Log, OnPublished: m.OnPublished}).Run}}
	var names []string
	for _, p := range Projections() {
		r := &projections.Runner{Projection: p, DB: s.DB, Stream: s.Stream, Log: s.Log,
			OnApplied: m.OnApplied(p.Name()), OnPoison: m.OnPoison}
		cs = append(cs, supervise.Component{Name: "projection:" + p.Name(), Run: r.Run})
		names = append(names, p.Name())
	}
	hooks := postgres.NewWebhookStore(s.Store)
	return append(cs,
		supervise.Component{Name: "webhook-fanout", Run: (&delivery.Dispatcher{Store: hooks, Stream: s.Stream, Log: s.Log,
			Render: RenderEvent(s.Store), RenderAll: RenderEvents(s.Store), Poison: postgres.NewPoisonStore(s.DB), OnPoison: m.OnPoison}).Run},
		supervise.Component{Name: "webhook-deliverer", Run: (&delivery.Deliverer{Store: hooks, Wake: hooks,
			Config: s.Config.Webhooks, Log: s.Log, OnAttempt: m.OnAttempt, Supervisor: s.Components}).Run},
		supervise.Component{Name: "mailer", Run: (&mail.Mailer{Commands: s.Store.Commands(), Stream: s.Stream,
			Config: s.Config.Mail, PDFs: s.PDF, Issuers: s.PDF, Log: s.Log}).Run},
		supervise.Component{Name: "recurring-invoices", Run: (&recurring.Runner{Store: s.Store.Commands(), Every: s.Config.RecurringEvery, Log: s.Log}).Run},
		supervise.Component{Name: "quote-expirer", Run: (&QuoteExpirer{Commands: s.Store.Commands(), Now: s.Config.Clock}).Run},
		supervise.Component{Name: "worker-metrics", Run: (&MetricsPoller{Metrics: m, DB: s.DB, Names: names}).Run},
		// Test mode's VeriFactu records go to the sandbox; live ones stay
		// pending: submission to the AEAT is not implemented.
		supervise.Component{Name: "verifactu-sandbox", Run: (&verifactu.Runner{Queue: postgres.BillingQueue{DB: s.DB},
			Submitter: verifactu.Sandbox{Now: time.Now}, Batch: 100, Every: time.Second}).Run},
	)
}

// RunWorker runs the worker components until ctx ends. If metricsLn is not
// nil it also serves /metrics and /readyz (see Services.Ready) there.
func RunWorker(ctx context.Context, s *Services, metricsLn net.Listener) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, c := range WorkerComponents(s) {
		g.Go(func() error { s.Components.Supervise(ctx, c.Name, c.Run); return nil })
	}
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
		mux.HandleFunc("/readyz", s.readyz)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
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

// readyz is the worker's readiness probe: 200 "ready", or 503 with what is
// not (the API answers /readyz in its error envelope instead).
func (s *Services) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.Ready(r.Context()); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}
