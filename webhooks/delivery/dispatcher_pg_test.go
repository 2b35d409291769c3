package delivery_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// pipelineStore watches how a Dispatcher uses its FanoutStore: whether a
// batch is prepared while the previous one is being recorded, whether two
// are ever recorded at once, and in which order events are recorded. The
// first RecordFanout says it started (recordStarted), then waits (up to
// a few seconds) for a PrepareFanout to start meanwhile.
type pipelineStore struct {
	delivery.FanoutStore
	mu                     sync.Mutex
	recording, recorded    int
	overlapped, concurrent bool
	order                  []string
	recordStarted          chan struct{} // the first RecordFanout started
	prepared               chan struct{} // a PrepareFanout ran during the first RecordFanout
}

func (s *pipelineStore) PrepareFanout(ctx context.Context, evs []events.Event, render webhooks.RenderFunc) (webhooks.Fanout, error) {
	s.mu.Lock()
	if s.recording > 0 && !s.overlapped {
		s.overlapped = true
		close(s.prepared)
	}
	s.mu.Unlock()
	return s.FanoutStore.PrepareFanout(ctx, evs, render)
}

func (s *pipelineStore) RecordFanout(ctx context.Context, f webhooks.Fanout) ([]int, error) {
	s.mu.Lock()
	s.recording++
	s.concurrent = s.concurrent || s.recording > 1
	first := s.recorded == 0
	s.mu.Unlock()
	if first {
		close(s.recordStarted)
		select {
		case <-s.prepared:
		case <-time.After(5 * time.Second):
		}
	}
	counts, err := s.FanoutStore.RecordFanout(ctx, f)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recording--
	s.recorded++
	for _, e := range f.Events {
		s.order = append(s.order, e.ID)
	}
	return counts, err
}

// The Dispatcher prepares a batch (matches endpoints, renders bodies)
// while the previous one commits, so that a commit's fsync does not hold
// up the next events; and it commits batches one at a time, in the order
// their events arrived, so that a fifo endpoint never has a later event's
// delivery recorded (and claimable as its head) before an earlier one's.
func TestDispatcherPreparesWhileItCommitsInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	store := &pipelineStore{FanoutStore: e.hooks, recordStarted: make(chan struct{}), prepared: make(chan struct{})}
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	d := &delivery.Dispatcher{Store: store, Stream: e.stream, Log: e.log, Durable: "pipeline-test"}
	e.wg.Go(func() { _ = d.Run(ctx) })
	// The next events arrive while the first one's batch is recorded.
	want := []string{e.emit(true)}
	select {
	case <-store.recordStarted:
	case <-time.After(15 * time.Second):
		t.Fatal("the first event's batch was never recorded")
	}
	for range 5 {
		want = append(want, e.emit(true))
	}
	waitFor(t, "every event recorded", func() bool {
		store.mu.Lock()
		defer store.mu.Unlock()
		return len(store.order) == len(want)
	})
	store.mu.Lock()
	defer store.mu.Unlock()
	if !store.overlapped {
		t.Error("no batch was prepared while the previous one was being recorded")
	}
	if store.concurrent {
		t.Error("two batches were recorded at once")
	}
	if !slices.Equal(store.order, want) {
		t.Errorf("events recorded in the order %v, want the order they happened in %v", store.order, want)
	}
}
