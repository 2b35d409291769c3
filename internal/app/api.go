package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/auth/authnats"
	"github.com/facturo/facturo/internal/dashboard"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/supervise"
)

// API is the HTTP API with the background components every API process
// runs beside it.
type API struct {
	Server *httpapi.Server
	// Dashboard is the developer dashboard at /dashboard: HTML pages over
	// the same commands, stores and authenticator as Server.
	Dashboard *dashboard.Dashboard
	// Background: batched key usage (last_used_at, activity, audit of
	// failures), the listener that drops cached keys when key or
	// organization events arrive from any process, and the gossip that
	// shares the brute-force throttle's counts with the other processes.
	// RunAPI runs them under the process's supervise.Group.
	Background []supervise.Component
}

// NewAPI builds the HTTP API on the shared services.
func NewAPI(s *Services) (*API, error) {
	metrics := httpapi.NewMetrics(s.Registry)
	accounts := postgres.NewAccountStore(s.DB)
	activity := postgres.NewActivityStore(s.DB)
	documents := postgres.NewDocumentStore(s.DB)
	authn := httpapi.NewAuthenticator(accounts, s.Config.AdminKey)
	authn.Metrics = metrics
	authn.TrustProxies = s.Config.TrustProxies
	usage := &auth.UsageBatcher{Keys: accounts, Activity: activity, Log: s.Log}
	authn.Usage = usage
	server := httpapi.New(httpapi.Deps{
		Log:             s.Log,
		Store:           s.Store,
		Accounts:        accounts,
		Documents:       documents,
		Idempotency:     postgres.NewIdempotencyStore(s.DB),
		Auth:            authn,
		Ready:           s.Ready,
		Metrics:         metrics,
		TrustProxies:    s.Config.TrustProxies,
		BcryptCost:      s.Config.BcryptCost,
		WebhookPolicy:   s.Config.Webhooks.Policy(),
		EventBody:       events.Body,
		Activity:        activity,
		Feed:            jetStreamFeed{s.Stream},
		StreamHeartbeat: s.Config.StreamHeartbeat,
		PDF:             s.PDF,
	})
	hooks := postgres.NewWebhookStore(s.Store)
	hooks.Body = events.Body
	var pdfs dashboard.PDFs
	if s.PDF != nil {
		pdfs = s.PDF
	}
	dash, err := dashboard.New(dashboard.Deps{
		Log: s.Log, Auth: authn, Store: s.Store, Accounts: accounts, Activity: activity, BcryptCost: s.Config.BcryptCost,
		Documents: documents, Webhooks: hooks, WebhookPolicy: s.Config.Webhooks.Policy(), PDF: pdfs,
	})
	if err != nil {
		return nil, err
	}
	return &API{Server: server, Dashboard: dash, Background: []supervise.Component{
		{Name: "auth-usage", Run: usage.Run},
		{Name: "auth-sync", Run: (&authnats.Listener{JS: s.JS, Cache: authn.Cache, Organizations: server.Organizations(), Log: s.Log}).Run},
		{Name: "auth-throttle-gossip", Run: authnats.NewThrottleGossip(s.NC, authn.Throttle, s.Log).Run},
	}}, nil
}

// Handler serves the API, and the dashboard under /dashboard, with the
// API's request id, log line, metrics and panic recovery for both.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	dash := a.Server.Wrap(a.Dashboard)
	mux.Handle(dashboard.Prefix, dash)
	mux.Handle(dashboard.Prefix+"/", dash)
	mux.Handle("/", a.Server.Handler())
	return mux
}

// RunAPI serves the API on ln until ctx ends, then finishes in-flight
// requests (up to 20 s) before returning.
func RunAPI(ctx context.Context, s *Services, ln net.Listener) error {
	api, err := NewAPI(s)
	if err != nil {
		return err
	}
	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	s.Components.Go(bg, &wg, api.Background...)
	// Stop the background components after the server has drained, so the
	// last requests' usage is flushed.
	defer func() { stopBackground(); wg.Wait() }()
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/", api.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
	}
	srv.RegisterOnShutdown(api.Server.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.Log.Info("api listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// jetStreamFeed feeds the API's event stream from the EVENTS stream.
type jetStreamFeed struct{ stream jetstream.Stream }

func (f jetStreamFeed) Follow(ctx context.Context, t facturo.Tenant, since time.Time, ready func() error, fn func(events.Event) error) error {
	return natsjs.Follow(ctx, f.stream, natsjs.FollowFilter{Mode: t.Mode(), Org: t.OrgID, Since: since, Ready: ready}, fn)
}
