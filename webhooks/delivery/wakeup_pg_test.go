package delivery_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// The wake-up tests poll once a minute and want each delivery within a
// quarter of that: on any machine, loaded or not, one that arrives in time
// was woken up for, and one that was not would wait for the poll.
const (
	wakePoll  = time.Minute
	wakeBound = wakePoll / 4
)

// countingStore counts claims, so a test can wait until a deliverer is
// idle before it makes a delivery due.
type countingStore struct {
	delivery.DeliveryStore
	claims atomic.Int64
}

func (s *countingStore) Claim(ctx context.Context, req webhooks.ClaimRequest) ([]webhooks.Claimed, error) {
	s.claims.Add(1)
	return s.DeliveryStore.Claim(ctx, req)
}

// wakingDeliverer starts a deliverer that polls once a minute and is woken
// by the store; attempts counts its recorded attempts.
func (e *env) wakingDeliverer(concurrency int, attempts *atomic.Int64) *countingStore {
	s := &countingStore{DeliveryStore: e.hooks}
	d := &delivery.Deliverer{Store: s, Wake: e.hooks, Config: e.config, Log: e.log, Poll: wakePoll,
		Lease: time.Minute, Concurrency: concurrency,
		OnAttempt: func(webhooks.Claimed, webhooks.AttemptResult, webhooks.Decision) {
			if attempts != nil {
				attempts.Add(1)
			}
		}}
	e.wg.Go(func() { _ = d.Run(e.ctx) })
	return s
}

// listeners returns the backend pids of this test database's sessions
// listening for due deliveries (pgnotify.Forward names them).
func (e *env) listeners() []int32 {
	e.t.Helper()
	rows, err := e.db.Pool.Query(e.ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'facturo listen facturo_webhook_deliveries'`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var pids []int32
	for rows.Next() {
		var pid int32
		if err := rows.Scan(&pid); err != nil {
			e.t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return pids
}

func (e *env) waitListening(n int) {
	e.t.Helper()
	waitFor(e.t, "deliverers listening", func() bool { return len(e.listeners()) >= n })
}

// settle waits until s has made no claim for 200 ms: the startup claim and
// the one after each finished attempt are done, so the next claim is one
// the deliverer was woken up for (or its poll, a minute away).
func settle(t *testing.T, s *countingStore) {
	t.Helper()
	last := s.claims.Load()
	waitFor(t, "deliverer idle", func() bool {
		time.Sleep(200 * time.Millisecond)
		n := s.claims.Load()
		quiet := n == last
		last = n
		return quiet
	})
}

// arrives fails the test unless cond holds within wakeBound of start.
func arrives(t *testing.T, what string, start time.Time, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Since(start) > wakeBound {
			t.Fatalf("%s: nothing within %v while the poll is %v: the deliverer was not woken", what, wakeBound, wakePoll)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s: delivered %v after it fell due", what, time.Since(start).Round(time.Millisecond))
}

// Every way a delivery falls due wakes an idle deliverer, instead of
// leaving the delivery to its next poll.
func TestWakeupsDeliverEveryWayADeliveryFallsDue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 3 { // the ping fails, for the recovery to re-queue
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	var attempts atomic.Int64
	store := e.wakingDeliverer(0, &attempts)
	e.waitListening(1)

	steps := []struct {
		name string
		due  func() // makes exactly one delivery due
	}{
		{"fan-out", func() { e.emit(true) }},
		{"resend", func() {
			if _, err := e.hooks.Resend(e.ctx, e.tenant(true), epID, e.first(epID, true).ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"ping", func() {
			if _, err := e.hooks.Ping(e.ctx, e.tenant(true), epID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}},
		{"recover", func() {
			n, err := e.hooks.Recover(e.ctx, e.tenant(true), epID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			if err != nil || n != 1 {
				t.Fatalf("recover = %d, %v; want the failed ping", n, err)
			}
		}},
	}
	for i, s := range steps {
		settle(t, store)
		start := time.Now()
		s.due()
		arrives(t, s.name, start, func() bool { return len(rcv.requests()) == i+1 })
		waitFor(t, s.name+" recorded", func() bool { return attempts.Load() == int64(i+1) })
	}
}

// A deliverer whose listening session is lost (PostgreSQL restarted, a
// proxy dropped it) listens again and looks once, so what fell due while
// it was deaf is not left to the poll.
func TestWakeupsResumeAfterTheSessionIsLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	e.endpoint(true, rcv.URL, events.ClientCreated)
	store := e.wakingDeliverer(0, nil)
	e.waitListening(1)
	settle(t, store)
	before := e.listeners()
	var killed int
	if err := e.db.Pool.QueryRow(e.ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE pid = ANY ($1)`, before).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listening sessions (%v), want 1", killed, err)
	}
	start := time.Now()
	e.emit(true) // most likely fanned out while nobody listens
	arrives(t, "fan-out after the session was lost", start, func() bool { return len(rcv.requests()) == 1 })
	waitFor(t, "a new listening session", func() bool {
		after := e.listeners()
		return len(after) == 1 && after[0] != before[0]
	})
}

// A notification wakes every deliverer: one that is busy to its limit
// leaves a new delivery to another, which hears of it as well.
func TestWakeupsReachEveryDeliverer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	release := make(chan struct{})
	slow := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // before the receiver closes: it waits for its handler
	fast := newReceiver(t, nil)
	e.endpoint(true, slow.URL, events.ClientCreated)
	fastID, _ := e.endpoint(true, fast.URL, events.ClientDeleted) // never emitted here: only the ping reaches it

	e.wakingDeliverer(1, nil) // its one slot will hang in the slow receiver
	e.waitListening(1)
	e.emit(true)
	arrives(t, "first deliverer busy", time.Now(), func() bool { return len(slow.requests()) == 1 })

	second := e.wakingDeliverer(1, nil)
	e.waitListening(2)
	settle(t, second)
	start := time.Now()
	if _, err := e.hooks.Ping(e.ctx, e.tenant(true), fastID, time.Now()); err != nil {
		t.Fatal(err)
	}
	arrives(t, "ping through the second deliverer", start, func() bool { return len(fast.requests()) == 1 })
}

// Woken together, deliverers still send each delivery once.
func TestWokenDeliverersSendEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	e.endpoint(true, rcv.URL, events.ClientCreated)
	var stores []*countingStore
	for range 3 {
		stores = append(stores, e.wakingDeliverer(0, nil))
	}
	e.waitListening(3)
	for _, s := range stores {
		settle(t, s)
	}
	const n = 30
	start := time.Now()
	want := map[string]bool{}
	for range n {
		want[e.emit(true)] = true
	}
	arrives(t, "every delivery", start, func() bool { return len(rcv.requests()) >= n })
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show
	seen := map[string]int{}
	for _, r := range rcv.requests() {
		seen[r.headers.Get("webhook-id")]++
	}
	for id, c := range seen {
		if !want[id] || c != 1 {
			t.Errorf("event %s sent %d times (one of ours: %v)", id, c, want[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct events, want %d", len(seen), n)
	}
}
