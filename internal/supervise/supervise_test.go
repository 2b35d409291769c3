package supervise_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/facturo/facturo/internal/supervise"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// value reads a metric of reg with label component=name (-1 if absent).
func value(t *testing.T, reg *prometheus.Registry, metric, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "component" && l.GetValue() == name {
					if g := m.GetGauge(); g != nil {
						return g.GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// starts records when run was called, and fails each call after hold.
type starts struct {
	mu    sync.Mutex
	at    []time.Time
	holds []time.Duration // how long the n-th call runs before failing (default 0)
}

func (s *starts) run(ctx context.Context) error {
	s.mu.Lock()
	n := len(s.at)
	s.at = append(s.at, time.Now())
	var hold time.Duration
	if n < len(s.holds) {
		hold = s.holds[n]
	}
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(hold):
	}
	return errors.New("boom")
}

func (s *starts) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

// gap is the pause before the n-th restart: from the end of call n-1 to
// the start of call n.
func (s *starts) gap(n int) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hold time.Duration
	if n-1 < len(s.holds) {
		hold = s.holds[n-1]
	}
	return s.at[n].Sub(s.at[n-1]) - hold
}

func TestRestartsWithExponentialBackoff(t *testing.T) {
	const minDelay = 20 * time.Millisecond
	g := &supervise.Group{Log: quiet(), MinDelay: minDelay, MaxDelay: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s starts
	done := make(chan struct{})
	go func() { g.Supervise(ctx, "flaky", s.run); close(done) }()
	waitFor(t, "5 runs", func() bool { return s.count() >= 5 })
	cancel()
	<-done
	// The k-th pause is MinDelay·2^(k-1) ± 20 %.
	for k := 1; k <= 4; k++ {
		want := minDelay * time.Duration(1<<(k-1))
		if got := s.gap(k); got < want*8/10 {
			t.Errorf("pause %d: %v, want at least %v", k, got, want*8/10)
		}
	}
	if s.gap(4) <= s.gap(1)*2 {
		t.Errorf("pauses do not grow: %v then %v", s.gap(1), s.gap(4))
	}
}

func TestBackoffResetsAfterAStableRun(t *testing.T) {
	const minDelay = 20 * time.Millisecond
	g := &supervise.Group{Log: quiet(), MinDelay: minDelay, MaxDelay: time.Second, StableAfter: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Four quick failures (the pause grows to 160 ms), then a run that
	// lasts past StableAfter, then a quick failure again.
	s := starts{holds: []time.Duration{0, 0, 0, 0, 150 * time.Millisecond, 0}}
	done := make(chan struct{})
	go func() { g.Supervise(ctx, "flaky", s.run); close(done) }()
	waitFor(t, "6 runs", func() bool { return s.count() >= 6 })
	cancel()
	<-done
	if got := s.gap(4); got < 8*minDelay*8/10 {
		t.Fatalf("pause after four quick failures %v, want at least %v", got, 8*minDelay*8/10)
	}
	if got := s.gap(5); got > 4*minDelay {
		t.Fatalf("pause after a stable run %v, want about %v (the backoff was not reset)", got, minDelay)
	}
}

func TestStopsWhenTheContextEnds(t *testing.T) {
	t.Run("while running", func(t *testing.T) {
		g := &supervise.Group{Log: quiet()}
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		done := make(chan struct{})
		calls := 0
		go func() {
			g.Supervise(ctx, "worker", func(ctx context.Context) error {
				calls++
				close(started)
				<-ctx.Done()
				return ctx.Err()
			})
			close(done)
		}()
		<-started
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Supervise did not return after its context ended")
		}
		if calls != 1 {
			t.Fatalf("run called %d times, want 1 (no restart after the context ended)", calls)
		}
		if err := g.Ready(); err != nil {
			t.Fatalf("a stopped component is reported: %v", err)
		}
	})
	t.Run("while waiting to restart", func(t *testing.T) {
		g := &supervise.Group{Log: quiet(), MinDelay: time.Hour, MaxDelay: time.Hour}
		ctx, cancel := context.WithCancel(context.Background())
		var s starts
		done := make(chan struct{})
		go func() { g.Supervise(ctx, "worker", s.run); close(done) }()
		waitFor(t, "first failure", func() bool { return g.Ready() != nil })
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Supervise did not return after its context ended")
		}
	})
}

func TestMetricsAndReadiness(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := supervise.New(reg, quiet())
	g.MinDelay, g.MaxDelay = 300*time.Millisecond, 300*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	fail := make(chan error)
	g.Go(ctx, &wg,
		supervise.Component{Name: "steady", Run: func(ctx context.Context) error { <-ctx.Done(); return nil }},
		supervise.Component{Name: "flaky", Run: func(ctx context.Context) error {
			select {
			case err := <-fail:
				return err
			case <-ctx.Done():
				return nil
			}
		}},
	)
	waitFor(t, "both up", func() bool {
		return value(t, reg, "facturo_component_up", "steady") == 1 && value(t, reg, "facturo_component_up", "flaky") == 1
	})
	if err := g.Ready(); err != nil {
		t.Fatalf("ready with every component running: %v", err)
	}
	if got := value(t, reg, "facturo_component_restarts_total", "flaky"); got > 0 {
		t.Fatalf("restarts before any failure: %v", got)
	}

	fail <- errors.New("stream not found")
	waitFor(t, "flaky down", func() bool { return g.Ready() != nil })
	err := g.Ready()
	if err == nil || !strings.Contains(err.Error(), "flaky") || !strings.Contains(err.Error(), "stream not found") ||
		strings.Contains(err.Error(), "steady") {
		t.Fatalf("Ready while flaky waits to restart: %v, want an error naming flaky and its cause only", err)
	}
	if got := value(t, reg, "facturo_component_up", "flaky"); got != 0 {
		t.Fatalf("flaky up = %v while waiting to restart, want 0", got)
	}
	if got := value(t, reg, "facturo_component_restarts_total", "flaky"); got != 1 {
		t.Fatalf("flaky restarts = %v, want 1", got)
	}
	waitFor(t, "flaky restarted", func() bool { return g.Ready() == nil })
	if got := value(t, reg, "facturo_component_up", "flaky"); got != 1 {
		t.Fatalf("flaky up = %v after the restart, want 1", got)
	}

	fail <- errors.New("again")
	waitFor(t, "flaky restarted again", func() bool { return g.Ready() == nil })
	if got := value(t, reg, "facturo_component_restarts_total", "flaky"); got != 2 {
		t.Fatalf("flaky restarts = %v, want 2", got)
	}
	if got := value(t, reg, "facturo_component_restarts_total", "steady"); got > 0 {
		t.Fatalf("steady restarts = %v, want none", got)
	}
	cancel()
	wg.Wait()
	if got := value(t, reg, "facturo_component_up", "steady"); got != 0 {
		t.Fatalf("steady up = %v after the context ended, want 0", got)
	}
}

// A run that returns nil before its context ends is restarted too: a
// background component is meant to run for the life of the process.
func TestEarlyReturnWithoutErrorIsRestarted(t *testing.T) {
	g := &supervise.Group{Log: quiet(), MinDelay: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		g.Supervise(ctx, "quitter", func(context.Context) error { calls <- struct{}{}; return nil })
		close(done)
	}()
	for range 3 {
		select {
		case <-calls:
		case <-time.After(5 * time.Second):
			t.Fatal("not restarted")
		}
	}
	cancel()
	<-done
}

// New on a registry that already has the metrics (the all-in-one process
// builds the API and worker roles on one registry) reuses them.
func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	supervise.New(reg, quiet())
	supervise.New(reg, quiet())
}
