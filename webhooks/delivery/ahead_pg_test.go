package delivery_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// releasingStore records the deliveries a deliverer releases.
type releasingStore struct {
	delivery.DeliveryStore
	mu       sync.Mutex
	released []string
}

func (s *releasingStore) Release(ctx context.Context, claims []webhooks.Claimed) error {
	s.mu.Lock()
	for _, c := range claims {
		s.released = append(s.released, c.DeliveryID)
	}
	s.mu.Unlock()
	return s.DeliveryStore.Release(ctx, claims)
}

func (s *releasingStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.released)
}

// leases returns the endpoint's leased deliveries and the attempts the
// others count.
func (e *env) leases(epID string) (leased []string, attemptsUnleased int) {
	e.t.Helper()
	err := e.db.Pool.QueryRow(e.ctx, `SELECT coalesce(array_agg(id ORDER BY id) FILTER (WHERE lease_token IS NOT NULL), '{}'),
			coalesce(sum(attempts) FILTER (WHERE lease_token IS NULL AND status = 'pending'), 0)
		FROM webhook_deliveries WHERE endpoint_id = $1`, epID).Scan(&leased, &attemptsUnleased)
	if err != nil {
		e.t.Fatal(err)
	}
	return leased, attemptsUnleased
}

// A deliverer claims ahead: while an endpoint has PerEndpoint attempts in
// flight it holds more of its deliveries ready (a bounded number), so that a sender that
// finishes starts the next at once instead of waiting for a claim's
// round trip. It never has more than PerEndpoint attempts in flight to
// the endpoint, and when it stops it gives back the leases of the ready
// ones, uncounted, instead of leaving them hidden until their leases run
// out.
func TestDelivererClaimsAheadAndReleasesAtShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answer := make(chan struct{})
	var once sync.Once
	rcv := newReceiver(t, func(int, http.ResponseWriter) { <-answer })
	t.Cleanup(func() { once.Do(func() { close(answer) }) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	const n = 12
	for range n {
		e.emit(true)
	}
	waitFor(t, "fan-out", func() bool { return len(e.deliveries(epID, true)) == n })
	store := &releasingStore{DeliveryStore: e.hooks}
	ctx, stop := context.WithCancel(e.ctx)
	d := &delivery.Deliverer{Store: store, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond,
		PerEndpoint: 1, ShutdownGrace: 10 * time.Second}
	returned := make(chan struct{})
	go func() { _ = d.Run(ctx); close(returned) }()

	waitFor(t, "one attempt in flight and deliveries held ready", func() bool {
		leased, _ := e.leases(epID)
		return len(rcv.requests()) == 1 && len(leased) > 1
	})
	time.Sleep(100 * time.Millisecond) // room for a wrong second attempt, or claim, to show
	if got := len(rcv.requests()); got != 1 {
		t.Fatalf("%d attempts in flight to an endpoint bounded to 1", got)
	}
	leased, _ := e.leases(epID)
	if len(leased) >= n {
		t.Fatalf("the deliverer holds all %d deliveries of the endpoint: claiming ahead is unbounded", len(leased))
	}
	inFlight := rcv.requests()[0].headers.Get("webhook-id")

	stop()
	// The attempt in flight ends during the shutdown grace, once Run gave
	// back what it held ready (and so sends nothing more).
	waitFor(t, "ready deliveries released", func() bool { return len(store.ids()) > 0 })
	once.Do(func() { close(answer) })
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	released := store.ids()
	if len(released) != len(leased)-1 {
		t.Fatalf("released %v, want the %d held ready of %v", released, len(leased)-1, leased)
	}
	for _, id := range released {
		if !slices.Contains(leased, id) {
			t.Errorf("released %s, which was not held", id)
		}
	}
	after, attempts := e.leases(epID)
	if len(after) != 0 || attempts != 0 {
		t.Errorf("after shutdown %v still leased, %d attempts counted on pending deliveries; want none", after, attempts)
	}
	var succeeded []string
	for _, v := range e.deliveries(epID, true) {
		if v.Status == webhooks.DeliverySucceeded {
			succeeded = append(succeeded, v.Event)
		}
	}
	if len(succeeded) != 1 || succeeded[0] != inFlight {
		t.Errorf("succeeded %v, want only the attempt that was in flight (%s)", succeeded, inFlight)
	}
}

// A delivery held ready longer than its lease allows is released, not
// sent on a lease that may run out meanwhile (a stalled process); the
// next claim takes it again with its attempt uncounted, and it is sent
// once.
func TestStaleReadyDeliveryIsReleasedNotSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answer := make(chan struct{})
	var once sync.Once
	rcv := newReceiver(t, func(n int, _ http.ResponseWriter) {
		if n == 1 {
			<-answer
		}
	})
	t.Cleanup(func() { once.Do(func() { close(answer) }) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.emit(true)
	e.emit(true)
	waitFor(t, "fan-out", func() bool { return len(e.deliveries(epID, true)) == 2 })
	store := &releasingStore{DeliveryStore: e.hooks}
	var skew atomic.Int64 // how far the deliverer's clock runs ahead
	d := &delivery.Deliverer{Store: store, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond,
		PerEndpoint: 1, Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}
	e.wg.Go(func() { _ = d.Run(e.ctx) })

	waitFor(t, "one attempt in flight and one delivery held ready", func() bool {
		leased, _ := e.leases(epID)
		return len(rcv.requests()) == 1 && len(leased) == 2
	})
	skew.Store(int64(time.Hour)) // the ready delivery has now waited an hour
	once.Do(func() { close(answer) })
	waitFor(t, "both delivered", func() bool {
		v := e.deliveries(epID, true)
		return len(v) == 2 && v[0].Status == webhooks.DeliverySucceeded && v[1].Status == webhooks.DeliverySucceeded
	})
	if got := store.ids(); len(got) != 1 {
		t.Fatalf("released %v, want the one delivery held ready", got)
	}
	for _, v := range e.deliveries(epID, true) {
		if v.AttemptCount != 1 {
			t.Errorf("delivery %s counts %d attempts, want 1", v.ID, v.AttemptCount)
		}
	}
	if n := len(rcv.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// scriptedStore hands out the deliveries of a few endpoints in memory,
// as many as the request's bounds allow.
type scriptedStore struct {
	mu          sync.Mutex
	order       []string                      // endpoints, in claim order
	pending     map[string][]webhooks.Claimed // by endpoint
	recordDelay time.Duration                 // how long CompleteBatch takes
}

func (s *scriptedStore) Claim(_ context.Context, req webhooks.ClaimRequest) ([]webhooks.Claimed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []webhooks.Claimed
	for _, ep := range s.order {
		n := min(req.PerEndpoint-req.Held[ep], len(s.pending[ep]), req.Max-len(out))
		if n > 0 {
			out = append(out, s.pending[ep][:n]...)
			s.pending[ep] = s.pending[ep][n:]
		}
	}
	return out, nil
}

func (s *scriptedStore) CompleteBatch(context.Context, []webhooks.Completed, time.Duration) error {
	time.Sleep(s.recordDelay)
	return nil
}

func (s *scriptedStore) Release(_ context.Context, claims []webhooks.Claimed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range claims {
		s.pending[c.EndpointID] = append([]webhooks.Claimed{c}, s.pending[c.EndpointID]...)
	}
	return nil
}

// fastBesideHanging runs a deliverer on its own, polling once a minute,
// over a scriptedStore of 40 deliveries to each of the endpoints slow
// (whose receiver hangs) and to we_fast, claimed in that order and
// recorded in recordDelay, and returns how long the fast endpoint's 40
// took to arrive. Slots in flight: concurrency in all (0: the default),
// one per endpoint; attempts time out after a second.
func fastBesideHanging(t *testing.T, slow []string, concurrency int, recordDelay time.Duration) time.Duration {
	t.Helper()
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(hang) }) // runs first
	var fastN atomic.Int64
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fastN.Add(1) }))
	t.Cleanup(fast.Close)
	secret, err := webhooks.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	store := &scriptedStore{order: append(slices.Clone(slow), "we_fast"), pending: map[string][]webhooks.Claimed{},
		recordDelay: recordDelay}
	for _, ep := range store.order {
		url := hanging.URL
		if ep == "we_fast" {
			url = fast.URL
		}
		for i := range 40 {
			store.pending[ep] = append(store.pending[ep], webhooks.Claimed{DeliveryID: fmt.Sprintf("wd_%s_%d", ep, i),
				Token: "tok", EndpointID: ep, URL: url, Secrets: []string{secret}, EventID: fmt.Sprintf("evt_%s_%d", ep, i),
				Body: []byte(`{}`), Attempts: 1})
		}
	}
	config := webhooks.Config{AllowNets: loopback, Timeout: time.Second, DisableAfter: time.Hour}
	ctx, stop := context.WithCancel(context.Background())
	d := &delivery.Deliverer{Store: store, Config: config, Log: slog.New(slog.DiscardHandler), Poll: time.Minute,
		Concurrency: concurrency, PerEndpoint: 1}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	start := time.Now()
	waitFor(t, "the fast endpoint's deliveries", func() bool { return fastN.Load() == 40 })
	return time.Since(start)
}

// What a deliverer holds ready of a slow endpoint must not stop it from
// claiming for others: once the fast endpoint's deliveries it claimed
// are sent, the senders that find nothing they may send (the slow
// endpoint's ready ones wait for its attempt) claim again at once, not
// at the next poll, a minute away here. The fast endpoint's backlog is
// ten times what the worker may hold of it, and recording takes 300 ms,
// as if PostgreSQL were busy: that attempts were recorded is no prompt
// to claim for a while.
func TestReadyOfASlowEndpointDoesNotHoldBackOthers(t *testing.T) {
	t.Parallel()
	// Each wait for the slow endpoint's attempt to end (its 1 s timeout)
	// instead of claiming shows here.
	if took := fastBesideHanging(t, []string{"we_slow"}, 0, 300*time.Millisecond); took > time.Second {
		t.Errorf("40 deliveries to the fast endpoint took %v: claims waited for the slow endpoint's attempts", took)
	}
}

// Slow endpoints' ready deliveries, which wait for their attempts, must
// not use up what the worker may hold in all while it has slots free:
// two hanging endpoints of four slots, one slot each, and a fast endpoint
// that must still be claimed for.
func TestSlowEndpointsDoNotUseUpTheHoldForOthers(t *testing.T) {
	t.Parallel()
	if took := fastBesideHanging(t, []string{"we_slow1", "we_slow2"}, 4, 0); took > time.Second {
		t.Errorf("40 deliveries to the fast endpoint took %v: the slow endpoints' ready deliveries held back its claims", took)
	}
}
