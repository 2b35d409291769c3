package delivery_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// TestFanoutRendersOnlySubscribedEvents runs a fan-out of its own over
// events of an organization whose endpoint subscribes to them and of one
// without endpoints: only the first are rendered (rendering loads the
// event's stream), though every event is fanned out and acknowledged.
func TestFanoutRendersOnlySubscribedEvents(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t, nil)
	e.endpoint(true, rcv.URL, events.ClientCreated)
	var subscribed []string
	for range 3 {
		subscribed = append(subscribed, e.emit(true))
	}
	e.org = id.New(id.Organization) // no endpoint
	var unsubscribed []string
	for range 5 {
		unsubscribed = append(unsubscribed, e.emit(true))
	}

	var mu sync.Mutex
	var rendered, fanned []string
	d := &delivery.Dispatcher{Store: e.hooks, Stream: e.stream, Log: e.log, Durable: "render-test",
		Render: func(_ context.Context, ev events.Event) ([]byte, error) {
			mu.Lock()
			rendered = append(rendered, ev.ID)
			mu.Unlock()
			return webhooks.Body(ev)
		},
		OnFanout: func(ev events.Event, _ int) {
			mu.Lock()
			fanned = append(fanned, ev.ID)
			mu.Unlock()
		}}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	e.wg.Go(func() { _ = d.Run(ctx) })
	all := slices.Concat(subscribed, unsubscribed)
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		done := !slices.ContainsFunc(all, func(id string) bool { return !slices.Contains(fanned, id) })
		got := slices.Clone(rendered)
		mu.Unlock()
		if done {
			slices.Sort(got)
			want := slices.Sorted(slices.Values(subscribed))
			if !slices.Equal(slices.Compact(got), want) {
				t.Errorf("rendered %v, want only the subscribed events %v (unsubscribed: %v)", got, want, unsubscribed)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fanned out %d of %d events", len(fanned), len(all))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
