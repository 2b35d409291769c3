package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/metrics"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/pdf"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/supervise"
	"github.com/facturo/facturo/projections"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Services are the connections every role shares.
type Services struct {
	Config   Config
	Log      *slog.Logger
	DB       *postgres.DB
	NC       *nats.Conn
	JS       jetstream.JetStream
	Stream   jetstream.Stream
	Store    *postgres.EventStore
	Registry *prometheus.Registry
	// PDF renders documents: the API's /pdf routes and whatever attaches
	// them (the mailer).
	PDF *pdf.Renderer
	// Components supervises the process's background components (API and
	// worker roles alike): restarts, facturo_component_* metrics, and
	// their part of Ready.
	Components *supervise.Group
}

// NewLogger returns the structured logger of a process.
func NewLogger(w io.Writer, c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Connect opens PostgreSQL (applying migrations) and NATS (ensuring the
// EVENTS stream). name identifies the process to NATS. A server that is not
// up yet (containers starting together, a restart) is waited for: each
// first connection is retried with backoff until ctx ends, and every
// retry is logged (see retryConnect).
func Connect(ctx context.Context, c Config, log *slog.Logger, name string) (*Services, error) {
	if err := c.RequireServices(); err != nil {
		return nil, err
	}
	if err := InstallEventTypes(); err != nil {
		return nil, err
	}
	if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil { // no retry fixes a malformed URL
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	db, err := retryConnect(ctx, log, "postgres", func() (*postgres.DB, error) {
		return postgres.Open(ctx, c.DatabaseURL, int32(c.DBPoolSize))
	})
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	nc, err := retryConnect(ctx, log, "nats", func() (*nats.Conn, error) {
		return natsjs.Connect(c.NATSURL, name, func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) })
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		db.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	stream, err := retryConnect(ctx, log, "jetstream", func() (jetstream.Stream, error) {
		return natsjs.EnsureStream(ctx, js, c.StreamReplicas)
	})
	if err != nil {
		nc.Close()
		db.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store := postgres.NewEventStore(db, events.Upcast, projections.ForEventStore(InlineProjections())...)
	count, announce := countAppended(reg), relay.Announce(nc)
	store.OnCommit = func(appended []events.Event) {
		count(appended)
		announce(appended) // wakes the active relay, in whatever process
	}
	return &Services{
		Config: c, Log: log, DB: db, NC: nc, JS: js, Stream: stream, Registry: reg, Store: store,
		PDF:        pdf.NewRenderer(store, postgres.NewLogoStore(db)),
		Components: supervise.New(reg, log),
	}, nil
}

// Backoff of the first connections: 250 ms doubling to 5 s, until ctx ends.
const (
	connectMinDelay = 250 * time.Millisecond
	connectMaxDelay = 5 * time.Second
)

// retryConnect calls open until it succeeds or ctx ends, waiting with
// exponential backoff between attempts and logging each failure.
func retryConnect[T any](ctx context.Context, log *slog.Logger, what string, open func() (T, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = connectMinDelay, connectMaxDelay, 0
	attempt := 0
	return backoff.RetryNotifyWithData(func() (T, error) {
		attempt++
		return open()
	}, backoff.WithContext(b, ctx), func(err error, wait time.Duration) {
		log.Warn("cannot connect yet; retrying", "service", what, "attempt", attempt, "retry_in", wait.Round(time.Millisecond), "err", err)
	})
}

// InlineProjections are the read models written in the transaction that
// appends their events: authentication must see a user, organization or
// key the moment its creation is acknowledged.
func InlineProjections() []projections.Inline {
	return []projections.Inline{projections.Accounts{}, projections.Audit{}}
}

// countAppended returns an EventStore.OnCommit hook counting the events
// this process appended, by type (the store-wide total is the worker's
// facturo_events_appended gauge).
func countAppended(reg prometheus.Registerer) func([]events.Event) {
	c := metrics.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "facturo_events_appended_total", Help: "Events this process appended to the store, by type."},
		[]string{"type"}))
	return func(batch []events.Event) {
		for _, e := range batch {
			c.WithLabelValues(e.Type).Inc()
		}
	}
}

// Close drains NATS, waiting for the connection to finish closing, and
// closes the pool.
func (s *Services) Close() {
	natsjs.Close(s.NC, 10*time.Second)
	s.DB.Close()
}

// Ready reports whether PostgreSQL and NATS answer, the schema is current
// and every supervised background component is running.
func (s *Services) Ready(ctx context.Context) error {
	if err := s.DB.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	pending, err := postgres.MigrationsPending(ctx, s.DB)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("migrations pending")
	}
	if !s.NC.IsConnected() {
		return fmt.Errorf("nats: %s", s.NC.Status())
	}
	if _, err := s.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if s.Components != nil {
		return s.Components.Ready()
	}
	return nil
}

// DocumentKinds are the aggregates the documents projection keeps: every
// invoicing object kind (invoicing.Objects).
func DocumentKinds() []projections.DocumentKind {
	kinds := make([]projections.DocumentKind, len(invoicing.Objects))
	for i, o := range invoicing.Objects {
		kinds[i] = projections.DocumentKind{Name: o.Name, Prefix: o.Prefix, Fold: o.FoldView}
	}
	return kinds
}
