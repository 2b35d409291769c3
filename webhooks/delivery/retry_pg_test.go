package delivery_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

func TestRetryScheduleHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// 503 with Retry-After: 1 (longer than the 200 ms schedule), then 500,
	// then success on the third attempt.
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("<html><script>alert(1)</script></html>"))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "three attempts", func() bool { return len(rcv.requests()) == 3 })
	got := rcv.requests()
	if gap := got[1].at.Sub(got[0].at); gap < time.Second {
		t.Errorf("retry after 503 with Retry-After: 1 came %v later, want >= 1s", gap)
	}
	if gap := got[2].at.Sub(got[1].at); gap < 300*time.Millisecond || gap > 2*time.Second {
		t.Errorf("second retry came %v later, want about 400ms (schedule)", gap)
	}
	for i, r := range got {
		if r.headers.Get("webhook-id") != got[0].headers.Get("webhook-id") || string(r.body) != string(got[0].body) {
			t.Errorf("attempt %d: id or body changed across retries", i+1)
		}
	}
	waitFor(t, "succeeded", func() bool { return e.first(epID, true).Status == webhooks.DeliverySucceeded })
	full, err := e.hooks.Delivery(e.ctx, e.tenant(true), epID, e.first(epID, true).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Attempts) != 3 || *full.Attempts[0].StatusCode != 503 || full.Attempts[1].ResponseBody == "" {
		t.Fatalf("attempts = %+v", full.Attempts)
	}
}

func TestScheduleExhaustedFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "failed", func() bool {
		return e.first(epID, true).Status == webhooks.DeliveryFailed
	})
	if n := len(rcv.requests()); n != 3 {
		t.Errorf("%d attempts, want 3 (first + two retries)", n)
	}
	// Recover re-queues it with a fresh schedule.
	n, err := e.hooks.Recover(e.ctx, e.tenant(true), epID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("recover = %d, %v", n, err)
	}
	waitFor(t, "three more attempts", func() bool { return len(rcv.requests()) == 6 })
}

func TestGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "disabled", func() bool {
		ep := e.loadEndpoint(epID, true)
		return ep.Status == webhooks.StatusDisabled
	})
	if ep := e.loadEndpoint(epID, true); ep.DisabledReason != webhooks.DisabledGone {
		t.Errorf("reason = %q", ep.DisabledReason)
	}
	e.emit(true)
	time.Sleep(500 * time.Millisecond)
	if n := len(rcv.requests()); n != 1 {
		t.Errorf("%d requests, want 1: a disabled endpoint receives nothing", n)
	}
}

func TestFailingTooLongDisablesEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config.DisableAfter = 300 * time.Millisecond
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "disabled", func() bool { return e.loadEndpoint(epID, true).Status == webhooks.StatusDisabled })
	ep := e.loadEndpoint(epID, true)
	if ep.DisabledReason != webhooks.DisabledFailing {
		t.Errorf("reason = %q", ep.DisabledReason)
	}
	history, err := e.store.Load(e.ctx, events.Stream{ID: epID, OrgID: e.org, Livemode: true})
	if err != nil {
		t.Fatal(err)
	}
	if last := history[len(history)-1]; last.Type != webhooks.EndpointDisabled || last.Metadata.Source != "worker" {
		t.Errorf("last event = %s (%+v)", last.Type, last.Metadata)
	}
}

func TestRedirectIsFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	target := newReceiver(t, nil)
	rcv := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Location", target.URL)
		w.WriteHeader(http.StatusFound)
	})
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "failed", func() bool { return e.first(epID, true).Status == webhooks.DeliveryFailed })
	if n := len(target.requests()); n != 0 {
		t.Errorf("redirect target got %d requests", n)
	}
	d := e.first(epID, true)
	if d.LastStatusCode == nil || *d.LastStatusCode != 302 || d.LastError == "" {
		t.Errorf("delivery = %+v", d)
	}
}

func TestTestModeIsSkippedUntilResent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	epID, secret := e.endpoint(false, rcv.URL)
	rcv.verify(t, secret)
	e.deliverer(e.ctx)
	e.emit(false)
	var d []webhooks.DeliveryView
	waitFor(t, "skipped delivery", func() bool {
		d = e.deliveries(epID, false)
		return len(d) == 2 // webhook_endpoint.created and client.created
	})
	time.Sleep(300 * time.Millisecond)
	for _, x := range e.deliveries(epID, false) {
		if x.Status != webhooks.DeliverySkipped {
			t.Errorf("test-mode delivery %s is %s", x.EventType, x.Status)
		}
	}
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("test mode sent %d requests", n)
	}
	if _, err := e.hooks.Resend(e.ctx, e.tenant(false), epID, d[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.hooks.Ping(e.ctx, e.tenant(false), epID, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "resend and ping", func() bool { return len(rcv.requests()) == 2 })
	for _, r := range rcv.requests() {
		if r.err != nil {
			t.Errorf("%s: %v", r.payload.Type, r.err)
		}
	}
	// A foreign tenant sees nothing.
	if _, err := e.hooks.Resend(e.ctx, e.tenant(true), epID, d[0].ID); err == nil {
		t.Error("live tenant resent a test-mode delivery")
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	epID, oldSecret := e.endpoint(true, rcv.URL, events.ClientCreated)
	newSecret, _ := webhooks.NewSecret()
	st := events.Stream{ID: epID, OrgID: e.org, Livemode: true}
	if _, err := e.hooks.ExecuteEndpoint(e.ctx, st, events.Metadata{}, func(h []events.Event) ([]events.Draft, error) {
		ep, _ := webhooks.FoldEndpoint(h)
		return ep.RotateSecret(newSecret, time.Hour, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	e.deliverer(e.ctx)
	e.emit(true)
	waitFor(t, "delivery", func() bool { return len(rcv.requests()) == 1 })
	r := rcv.requests()[0]
	for _, s := range []string{oldSecret, newSecret} {
		if err := verifyWith(s, r); err != nil {
			t.Errorf("during the grace period: %v", err)
		}
	}
	// Grace over: only the new secret signs.
	if _, err := e.hooks.ExecuteEndpoint(e.ctx, st, events.Metadata{}, func(h []events.Event) ([]events.Draft, error) {
		ep, _ := webhooks.FoldEndpoint(h)
		again, _ := webhooks.NewSecret()
		newSecret = again
		return ep.RotateSecret(again, -1, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	e.emit(true)
	waitFor(t, "second delivery", func() bool { return len(rcv.requests()) == 2 })
	r = rcv.requests()[1]
	if err := verifyWith(newSecret, r); err != nil {
		t.Errorf("after rotation without grace: %v", err)
	}
	if n := len(splitSigs(r.headers.Get("webhook-signature"))); n != 1 {
		t.Errorf("%d signatures after the grace period, want 1", n)
	}
}

// TestKilledWorkerLosesNothing cancels a worker while its attempts hang
// in the receiver, starts another, and finds every event delivered.
func TestKilledWorkerLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var hang sync.Once
	release := make(chan struct{})
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n <= 2 {
			hang.Do(func() {})
			<-release // the first worker's attempts hang until it is killed
		}
	})
	epID, secret := e.endpoint(true, rcv.URL, events.ClientCreated)
	rcv.verify(t, secret)
	const n = 20
	want := map[string]bool{}
	for range n {
		want[e.emit(true)] = true
	}
	waitFor(t, "fan-out", func() bool { return len(e.deliveries(epID, true)) == n })

	ctx1, kill := context.WithCancel(e.ctx)
	e.startDeliverer(ctx1, 2)
	waitFor(t, "first worker mid-delivery", func() bool { return len(rcv.requests()) >= 1 })
	kill()
	close(release)
	e.deliverer(e.ctx)

	waitFor(t, "every delivery succeeded", func() bool {
		for _, d := range e.deliveries(epID, true) {
			if d.Status != webhooks.DeliverySucceeded {
				return false
			}
		}
		return true
	})
	got := map[string]bool{}
	for _, r := range rcv.requests() {
		if r.err != nil {
			t.Errorf("signature: %v", r.err)
		}
		got[r.headers.Get("webhook-id")] = true
	}
	for id := range want {
		if !got[id] {
			t.Errorf("event %s never delivered", id)
		}
	}
}

// TestWorkersShareWithoutDuplicates runs three workers on one backlog: each
// delivery is sent exactly once.
func TestWorkersShareWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, func(_ int, _ http.ResponseWriter) { time.Sleep(5 * time.Millisecond) })
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	const n = 60
	for range n {
		e.emit(true)
	}
	waitFor(t, "fan-out", func() bool { return len(e.deliveries(epID, true)) == n })
	for range 3 {
		e.deliverer(e.ctx)
	}
	waitFor(t, "all sent", func() bool { return len(rcv.requests()) >= n })
	time.Sleep(300 * time.Millisecond)
	seen := map[string]int{}
	for _, r := range rcv.requests() {
		seen[r.headers.Get("webhook-id")]++
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("event %s sent %d times", id, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct events, want %d", len(seen), n)
	}
}

// TestSlowEndpointDoesNotDelayOthers gives one endpoint a receiver that
// hangs and another a healthy one: the healthy one's deliveries arrive
// while the slow one's are stuck, because each endpoint gets at most
// PerEndpoint slots of the pool.
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	release := make(chan struct{})
	slow := newReceiver(t, func(_ int, _ http.ResponseWriter) { <-release })
	fast := newReceiver(t, nil)
	t.Cleanup(func() { close(release) }) // runs before the receivers close: they wait for their handlers
	slowID, _ := e.endpoint(true, slow.URL, events.ClientCreated)
	e.endpoint(true, fast.URL, events.ClientCreated)
	const n = 30
	for range n {
		e.emit(true)
	}
	waitFor(t, "fan-out", func() bool { return len(e.deliveries(slowID, true)) == n })
	start := time.Now()
	d := &delivery.Deliverer{Store: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond,
		Concurrency: 8, PerEndpoint: 2}
	e.wg.Go(func() { _ = d.Run(e.ctx) })
	waitFor(t, "healthy endpoint served", func() bool { return len(fast.requests()) == n })
	took := time.Since(start)
	t.Logf("%d deliveries to the healthy endpoint in %v while the slow one holds %d", n, took, len(slow.requests()))
	if s := len(slow.requests()); s > 2 {
		t.Errorf("slow endpoint has %d requests in flight, cap is 2", s)
	}
	if took > e.config.Timeout {
		t.Errorf("healthy endpoint waited %v, longer than one attempt timeout", took)
	}
}
