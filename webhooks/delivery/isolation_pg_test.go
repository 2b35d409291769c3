package delivery_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks/delivery"
)

// pathCounter is one receiving service for several endpoints (one path
// each): it counts the requests to each path, and answers those to
// /slow after 2 s.
type pathCounter struct {
	*httptest.Server
	mu sync.Mutex
	n  map[string]int
}

func newPathCounter(t *testing.T, release <-chan struct{}) *pathCounter {
	c := &pathCounter{n: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[r.URL.Path]++
		c.mu.Unlock()
		if r.URL.Path == "/slow" {
			select {
			case <-time.After(2 * time.Second):
			case <-release:
			}
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *pathCounter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

// backlog records n deliveries to endpoint, due in an hour, tagged tag;
// due makes every delivery tagged with one of tags due at once.
func (e *env) backlog(endpoint, tag string, n int) {
	e.t.Helper()
	if _, err := e.db.Pool.Exec(e.ctx, `INSERT INTO webhook_deliveries
			(id, org_id, livemode, endpoint_id, event_id, event_type, body, status, retries, next_attempt_at, event_created_at)
		SELECT 'wd_' || $2 || '_' || g, e.org_id, e.livemode, e.id, 'evt_' || $2 || '_' || g, $4, '{}',
			'pending', true, now() + interval '1 hour', now()
		FROM webhook_endpoints e, generate_series(1, $3) g WHERE e.id = $1`, endpoint, tag, n, events.ClientCreated); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) due(tags ...string) time.Time {
	e.t.Helper()
	var like []string
	for _, t := range tags {
		like = append(like, "wd_"+t+"_%")
	}
	if _, err := e.db.Pool.Exec(e.ctx, `UPDATE webhook_deliveries SET next_attempt_at = now()
		WHERE id LIKE ANY ($1)`, like); err != nil {
		e.t.Fatal(err)
	}
	return time.Now()
}

// TestSlowEndpointDoesNotSlowOthers drains the same backlog to fast
// endpoints alone, then beside an endpoint that answers in 2 s and has a
// far larger backlog, due earlier: once for a fast endpoint of the slow
// one's organization on the same receiving host, once for another
// organization's. The slow endpoint holds its share of the attempts in
// flight, never the others' pace: a claim finds each endpoint's due
// deliveries without reading through the slow one's backlog, and no bound
// per host lets the slow attempts hold the connections of the fast ones.
func TestSlowEndpointDoesNotSlowOthers(t *testing.T) {
	e := newEnv(t)
	e.config.Timeout = 5 * time.Second
	release := make(chan struct{})
	rcv := newPathCounter(t, release)
	t.Cleanup(func() { close(release) }) // runs before the receiver closes
	eps := map[string]string{}
	for _, path := range []string{"/alone", "/slow", "/same"} {
		eps[path], _ = e.endpoint(true, rcv.URL+path, events.ClientCreated)
	}
	org := e.org
	e.org = id.New(id.Organization)
	eps["/other"], _ = e.endpoint(true, rcv.URL+"/other", events.ClientCreated)
	e.org = org
	const n, slowBacklog = 400, 50_000
	for path, ep := range eps {
		if path == "/slow" {
			e.backlog(ep, "slow", slowBacklog)
		} else {
			e.backlog(ep, path[1:], n)
		}
	}
	d := &delivery.Deliverer{Store: e.hooks, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond}
	e.wg.Go(func() { _ = d.Run(e.ctx) })

	drain := func(path string, tags ...string) time.Duration {
		t0 := e.due(tags...)
		deadline := t0.Add(30 * time.Second)
		for rcv.count(path) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d delivered in 30 s", path, rcv.count(path), n)
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(t0)
	}
	alone := drain("/alone", "alone")
	same := drain("/same", "slow", "same")
	other := drain("/other", "other")
	t.Logf("%d deliveries: alone %v; beside the slow endpoint (%d answered): same organization and host %v, other organization %v",
		n, alone, rcv.count("/slow"), same, other)
	for name, took := range map[string]time.Duration{"same organization": same, "other organization": other} {
		if took > 2*alone+500*time.Millisecond {
			t.Errorf("%s: %v beside the slow endpoint, %v alone", name, took, alone)
		}
	}
}
