package delivery_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// endpointWith creates a live endpoint for client.created from in (its
// URL and events set here).
func (e *env) endpointWith(url string, in webhooks.EndpointInput) string {
	e.t.Helper()
	secret, err := webhooks.NewSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	in.URL, in.EnabledEvents = url, []string{events.ClientCreated}
	epID := id.New(id.WebhookEndpt)
	_, err = e.hooks.ExecuteEndpoint(e.ctx, events.Stream{ID: epID, OrgID: e.org, Livemode: true}, events.Metadata{},
		func([]events.Event) ([]events.Draft, error) {
			return webhooks.NewEndpoint(in, secret, e.config.Policy())
		})
	if err != nil {
		e.t.Fatal(err)
	}
	return epID
}

// orderReceiver records the event id of each request in arrival order and
// the most requests it had in flight at once; it answers 500 to the first
// fail requests for the event failFor, each after a pause.
type orderReceiver struct {
	*httptest.Server
	mu             sync.Mutex
	events         []string // one per request, in arrival order
	ok             map[string]bool
	inFlight, most int
	failFor        string
	fail           int
	pause          time.Duration
}

func newOrderReceiver(t *testing.T, pause time.Duration) *orderReceiver {
	r := &orderReceiver{ok: map[string]bool{}, pause: pause}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		evt := req.Header.Get("webhook-id")
		r.mu.Lock()
		r.events = append(r.events, evt)
		r.inFlight++
		r.most = max(r.most, r.inFlight)
		failing := evt == r.failFor && r.fail > 0
		if failing {
			r.fail--
		}
		r.mu.Unlock()
		time.Sleep(r.pause)
		r.mu.Lock()
		r.inFlight--
		if !failing {
			r.ok[evt] = true
		}
		r.mu.Unlock()
		if failing {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *orderReceiver) received() (order []string, succeeded, most int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), len(r.ok), r.most
}

// TestFIFOEndpointDeliversInOrder fans out 12 events to a fifo and to a
// parallel endpoint, whose receivers fail the first event's delivery 3
// times, then sends them with two deliverers. The fifo endpoint gets one
// request at a time, in event order: the first event until it succeeds,
// then each of the others once, none before the one ahead of it. The
// parallel endpoint gets the same events concurrently, the later ones
// overtaking the failing first one.
func TestFIFOEndpointDeliversInOrder(t *testing.T) {
	e := newEnv(t)
	e.config.Schedule = []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}
	fifo, parallel := newOrderReceiver(t, 20*time.Millisecond), newOrderReceiver(t, 20*time.Millisecond)
	fifoEp := e.endpointWith(fifo.URL, webhooks.EndpointInput{Ordering: webhooks.OrderingFIFO})
	parallelEp := e.endpointWith(parallel.URL, webhooks.EndpointInput{})
	const n, fails = 12, 3
	var want []string
	for range n {
		want = append(want, e.emit(true))
	}
	fifo.failFor, fifo.fail = want[0], fails
	parallel.failFor, parallel.fail = want[0], fails
	waitFor(t, "fan-out", func() bool {
		return len(e.deliveries(fifoEp, true)) == n && len(e.deliveries(parallelEp, true)) == n
	})
	e.deliverer(e.ctx)
	e.deliverer(e.ctx)
	waitFor(t, "every delivery", func() bool {
		_, a, _ := fifo.received()
		_, b, _ := parallel.received()
		return a == n && b == n
	})

	order, _, most := fifo.received()
	if most != 1 {
		t.Errorf("fifo endpoint: %d requests in flight at once, want 1", most)
	}
	wantOrder := slices.Concat(slices.Repeat(want[:1], fails+1), want[1:])
	if !slices.Equal(order, wantOrder) {
		t.Errorf("fifo endpoint received, by position in the emitted events:\n got %v\nwant %v", positions(order, want), positions(wantOrder, want))
	}
	order, _, most = parallel.received()
	if most < 2 {
		t.Errorf("parallel endpoint: at most %d request in flight, want concurrent requests", most)
	}
	lastOfFirst := 0 // the first event's successful attempt: its last
	for i, evt := range order {
		if evt == want[0] {
			lastOfFirst = i
		}
	}
	if slices.Index(order, want[n-1]) > lastOfFirst {
		t.Errorf("parallel endpoint: the last event waited for the failing first one: %v", positions(order, want))
	}
}

// positions names the events of order by their place in want.
func positions(order, want []string) []string {
	out := make([]string, len(order))
	for i, evt := range order {
		out[i] = strconv.Itoa(slices.Index(want, evt))
	}
	return out
}

// TestRateLimitHoldsAcrossDeliverers makes 60 deliveries of an endpoint
// limited to 20 per second due at once, with two deliverers: together
// they never send more than the limit (within a generous tolerance for
// scheduling), so the backlog takes about 3 s, and every delivery
// arrives.
func TestRateLimitHoldsAcrossDeliverers(t *testing.T) {
	e := newEnv(t)
	limit := 20
	var mu sync.Mutex
	var at []time.Time
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		w.WriteHeader(204)
	}))
	t.Cleanup(rcv.Close)
	ep := e.endpointWith(rcv.URL, webhooks.EndpointInput{RateLimit: &limit})
	const n = 60
	e.backlog(ep, "limited", n)
	for range 2 {
		d := &delivery.Deliverer{Store: e.hooks, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond}
		e.wg.Go(func() { _ = d.Run(e.ctx) })
	}
	t0 := e.due("limited")
	waitFor(t, "every delivery", func() bool {
		var pending int
		_ = e.db.Pool.QueryRow(e.ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND status <> 'succeeded'`, ep).Scan(&pending)
		return pending == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(at) < n {
		t.Fatalf("%d requests for %d deliveries", len(at), n)
	}
	took := at[len(at)-1].Sub(t0)
	t.Logf("%d deliveries at %d/s in %v", len(at), limit, took)
	// n slots 1/limit apart span (n-1)/limit seconds.
	if floor := time.Duration(n-1) * time.Second / time.Duration(limit) * 8 / 10; took < floor {
		t.Errorf("%d deliveries took %v, want at least %v at %d/s", n, took, floor, limit)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i := range at {
		j := i
		for j < len(at) && at[j].Sub(at[i]) < time.Second {
			j++
		}
		if j-i > 2*limit { // generous: a stalled sender may bunch its slots
			t.Fatalf("%d requests in the second from %v, limit %d/s", j-i, at[i].Sub(t0), limit)
		}
	}
}
