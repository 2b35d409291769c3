package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/client/webhook"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/supervise"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
	"github.com/nats-io/nats.go/jetstream"
)

// env is the whole pipeline on real services: PostgreSQL, an embedded
// JetStream server, the relay and the fan-out.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *postgres.DB
	store  *postgres.EventStore
	hooks  *postgres.WebhookStore
	config webhooks.Config
	org    string
	wg     *sync.WaitGroup
	log    *slog.Logger
	stream jetstream.Stream // EVENTS
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func newEnv(t *testing.T) *env {
	t.Helper()
	if err := app.InstallEventTypes(); err != nil { // endpoints subscribe to known types only
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dsn := pgtest.Migrated(t)
	db, err := postgres.Open(ctx, dsn, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	store := postgres.NewEventStore(db, events.Upcast)
	ns := testenv.NATS(t)
	nc, err := natsjs.Connect(ns.URL(), "webhooks-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := natsjs.EnsureStream(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, db: db, store: store, hooks: postgres.NewWebhookStore(store), org: id.New(id.Organization),
		config: webhooks.Config{Schedule: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond},
			DisableAfter: time.Hour, AllowNets: loopback, Timeout: 2 * time.Second},
		wg: &sync.WaitGroup{}, log: slog.New(slog.DiscardHandler), stream: stream}
	// Registered last, so it runs first: every goroutine ends before the
	// database and NATS go away.
	t.Cleanup(func() { cancel(); e.wg.Wait() })
	// As in the worker, the relay and the fan-out run under a supervisor.
	sup := &supervise.Group{Log: e.log, MinDelay: 50 * time.Millisecond}
	sup.Go(ctx, e.wg,
		supervise.Component{Name: "relay", Run: (&relay.Relay{Store: store, JS: js, Log: e.log, Poll: 50 * time.Millisecond}).Run},
		supervise.Component{Name: "webhook-fanout",
			Run: (&delivery.Dispatcher{Store: e.hooks, Stream: stream, Log: e.log, Retry: 100 * time.Millisecond}).Run},
	)
	return e
}

// deliverer starts a worker until its context ends.
func (e *env) deliverer(ctx context.Context) *delivery.Deliverer {
	return e.startDeliverer(ctx, 0)
}

func (e *env) startDeliverer(ctx context.Context, perEndpoint int) *delivery.Deliverer {
	d := &delivery.Deliverer{Store: e.hooks, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond,
		Lease: time.Second, PerEndpoint: perEndpoint}
	e.wg.Go(func() { _ = d.Run(ctx) })
	return d
}

func (e *env) tenant(live bool) facturo.Tenant { return facturo.Tenant{OrgID: e.org, Livemode: live} }

func (e *env) endpoint(live bool, url string, types ...string) (string, string) {
	e.t.Helper()
	if len(types) == 0 {
		types = []string{"*"}
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	epID := id.New(id.WebhookEndpt)
	_, err = e.hooks.ExecuteEndpoint(e.ctx, events.Stream{ID: epID, OrgID: e.org, Livemode: live}, events.Metadata{},
		func([]events.Event) ([]events.Draft, error) {
			return webhooks.NewEndpoint(webhooks.EndpointInput{URL: url, EnabledEvents: types}, secret, e.config.Policy())
		})
	if err != nil {
		e.t.Fatal(err)
	}
	return epID, secret
}

// emit appends a client.created event carrying a private field.
func (e *env) emit(live bool) string {
	e.t.Helper()
	added, err := e.store.Run(e.ctx, events.Metadata{}, func(tx *postgres.Tx) error {
		_, err := tx.Append(e.ctx, events.Stream{ID: id.New(id.Client), OrgID: e.org, Livemode: live}, 0,
			events.Draft{Type: events.ClientCreated, Data: map[string]any{"name": "ACME", "secret_token": "hidden"}})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return added[0].ID
}

// first returns the endpoint's only delivery, or an empty one.
func (e *env) first(epID string, live bool) webhooks.DeliveryView {
	d := e.deliveries(epID, live)
	if len(d) == 0 {
		return webhooks.DeliveryView{}
	}
	return d[0]
}

func (e *env) deliveries(epID string, live bool) []webhooks.DeliveryView {
	e.t.Helper()
	list, _, err := e.hooks.ListDeliveries(e.ctx, e.tenant(live), epID, webhooks.DeliveryFilter{}, postgres.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// waitFor polls cond for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receiver is a real HTTP endpoint that verifies every delivery.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	respond  func(n int, w http.ResponseWriter) // n counts requests from 1
	verifier *webhook.Verifier
}

type received struct {
	at      time.Time
	headers http.Header
	body    []byte
	payload webhooks.Payload
	err     error // verification result
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{respond: respond}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rec := received{at: time.Now(), headers: req.Header.Clone(), body: body}
		_ = json.Unmarshal(body, &rec.payload)
		r.mu.Lock()
		if r.verifier != nil {
			rec.err = r.verifier.Verify(req.Header, body)
		}
		r.got = append(r.got, rec)
		n := len(r.got)
		r.mu.Unlock()
		if r.respond != nil {
			r.respond(n, w)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) verify(t *testing.T, secrets ...string) {
	v, err := webhook.NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.verifier = v
	r.mu.Unlock()
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func TestDeliverySignedEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	epID, secret := e.endpoint(true, rcv.URL, events.ClientCreated)
	rcv.verify(t, secret)
	e.deliverer(e.ctx)
	evtID := e.emit(true)

	waitFor(t, "delivery", func() bool { return len(rcv.requests()) == 1 })
	got := rcv.requests()[0]
	if got.err != nil {
		t.Fatalf("signature: %v", got.err)
	}
	if h := got.headers.Get("webhook-id"); h != evtID {
		t.Errorf("webhook-id = %q, want %q", h, evtID)
	}
	p := got.payload
	// The object and its version, in the headers and the body alike.
	if p.Resource == "" || p.ResourceVersion != 1 || got.headers.Get(delivery.HeaderResource) != p.Resource ||
		got.headers.Get(delivery.HeaderResourceVersion) != "1" {
		t.Errorf("resource %q version %d; headers %s: %q, %s: %q", p.Resource, p.ResourceVersion,
			delivery.HeaderResource, got.headers.Get(delivery.HeaderResource),
			delivery.HeaderResourceVersion, got.headers.Get(delivery.HeaderResourceVersion))
	}
	if p.ID != evtID || p.Object != "event" || p.Type != events.ClientCreated || !p.Livemode || p.Organization != e.org {
		t.Errorf("payload = %+v", p)
	}
	var obj map[string]any
	_ = json.Unmarshal(p.Data.Object, &obj)
	if obj["name"] != "ACME" || obj["secret_token"] != nil {
		t.Errorf("data.object = %s, want the public data", p.Data.Object)
	}
	waitFor(t, "succeeded", func() bool {
		d := e.deliveries(epID, true)
		return len(d) == 1 && d[0].Status == webhooks.DeliverySucceeded
	})
	d := e.deliveries(epID, true)[0]
	full, err := e.hooks.Delivery(e.ctx, e.tenant(true), epID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Attempts) != 1 || full.Attempts[0].StatusCode == nil || *full.Attempts[0].StatusCode != 200 {
		t.Errorf("attempts = %+v", full.Attempts)
	}
}

func (e *env) loadEndpoint(epID string, live bool) *webhooks.Endpoint {
	e.t.Helper()
	h, err := e.store.Load(e.ctx, events.Stream{ID: epID, OrgID: e.org, Livemode: live})
	if err != nil {
		e.t.Fatal(err)
	}
	ep, err := webhooks.FoldEndpoint(h)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func verifyWith(secret string, r received) error {
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		return err
	}
	return v.Verify(r.headers, r.body)
}

func splitSigs(h string) []string { return strings.Fields(h) }
