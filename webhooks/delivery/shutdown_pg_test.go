package delivery_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// On shutdown the worker claims nothing more but lets an attempt in flight
// finish and records its outcome, instead of abandoning it to its lease.
func TestShutdownFinishesAttemptsInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	arrived := make(chan struct{}, 1)
	rcv := newReceiver(t, func(n int, w http.ResponseWriter) {
		arrived <- struct{}{}
		time.Sleep(300 * time.Millisecond) // still in flight when shutdown begins
		w.WriteHeader(http.StatusOK)
	})
	epID, _ := e.endpoint(true, rcv.URL, events.ClientCreated)
	ctx, stop := context.WithCancel(e.ctx)
	d := &delivery.Deliverer{Store: e.hooks, Wake: e.hooks, Config: e.config, Log: e.log, Poll: 20 * time.Millisecond,
		Lease: time.Minute, ShutdownGrace: 10 * time.Second}
	returned := make(chan struct{})
	go func() { _ = d.Run(ctx); close(returned) }()
	e.emit(true)

	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the attempt never reached the receiver")
	}
	stop() // SIGTERM while the receiver is still answering
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
	// Recorded at once, not left to a one-minute lease.
	if d := e.deliveries(epID, true); len(d) != 1 || d[0].Status != webhooks.DeliverySucceeded {
		t.Fatalf("after shutdown the delivery is %+v, want succeeded", d)
	}
	// Run closed its listening session before it returned (the server may
	// take a moment to drop it from pg_stat_activity).
	waitFor(t, "listening session closed", func() bool { return len(e.listeners()) == 0 })
}
