// Package supervise keeps a process's long-running components running.
//
// A component is a function that does its work until its context ends and
// returns an error when it cannot go on (a lost connection, a server that
// is not there yet). It does not retry by itself: Group.Supervise runs it
// again after an exponential backoff, resets the backoff once a run has
// lasted long enough to count as healthy, logs every restart with its
// cause, and reports each component's state twice: as Prometheus metrics
// (facturo_component_up, facturo_component_restarts_total) and through
// Group.Ready, which a readiness probe includes, so that a component that
// keeps failing is visible instead of only logged.
//
// Every background loop of the API and worker processes (the relay, the
// projection runners, the webhook fan-out and deliverer, the auth cache
// listener, the throttle gossip, the usage batcher, the metrics poller)
// runs under one Group per process, wired in internal/app.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/facturo/facturo/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Component is a named long-running function (see the package doc).
type Component struct {
	Name string
	Run  func(ctx context.Context) error
}

// Defaults of a Group's restart policy.
const (
	DefaultMinDelay    = 250 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
	DefaultStableAfter = 30 * time.Second
)

// Group supervises components and reports their state. The zero value
// works (without metrics); New registers metrics too. Component names
// should be unique within a group; components of one name are reported
// together (up counts the running ones).
type Group struct {
	Log *slog.Logger // default slog.Default()
	// MinDelay is the pause before the first restart after a failure; each
	// further failure doubles it (with ±20 % jitter) up to MaxDelay.
	MinDelay time.Duration
	MaxDelay time.Duration
	// StableAfter is how long a run must last for its failure to count as
	// a new incident: the next restart waits MinDelay again.
	StableAfter time.Duration

	metrics *groupMetrics
	mu      sync.Mutex
	byName  map[string][]*instance
}

// instance is one running Supervise call.
type instance struct {
	running  bool
	failures int   // failures in a row, each after a short run
	lastErr  error // cause of the current restart wait
}

type groupMetrics struct {
	up       *prometheus.GaugeVec
	restarts *prometheus.CounterVec
}

// New returns a Group whose metrics are registered on reg (nil: none),
// reusing metrics already registered there by another Group.
func New(reg prometheus.Registerer, log *slog.Logger) *Group {
	g := &Group{Log: log}
	if reg != nil {
		g.metrics = &groupMetrics{
			up: metrics.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
				Name: "facturo_component_up",
				Help: "Running instances of a supervised background component (0 while it waits to be restarted)."},
				[]string{"component"})),
			restarts: metrics.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "facturo_component_restarts_total",
				Help: "Times a supervised background component failed and was restarted."},
				[]string{"component"})),
		}
	}
	return g
}

// Supervise runs run until ctx ends, restarting it whenever it returns
// before then (with an error or, unexpectedly, without one). It returns
// once ctx has ended and run has returned.
func (g *Group) Supervise(ctx context.Context, name string, run func(ctx context.Context) error) {
	log := g.log().With("component", name)
	inst := g.add(name)
	defer g.remove(name, inst)
	b := g.backoff()
	for {
		g.setRunning(name, inst)
		started := time.Now()
		err := run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("returned before its context ended")
		}
		stable := time.Since(started) >= g.stableAfter()
		if stable {
			b.Reset()
		}
		delay := b.NextBackOff()
		attempt := g.setRestarting(name, inst, err, stable)
		log.Warn("component failed; restarting", "err", err, "in", delay.Round(time.Millisecond), "attempt", attempt)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Go runs every component under g, each in its own goroutine of wg.
func (g *Group) Go(ctx context.Context, wg *sync.WaitGroup, components ...Component) {
	for _, c := range components {
		wg.Go(func() { g.Supervise(ctx, c.Name, c.Run) })
	}
}

// Ready returns nil when every supervised component is running, and
// otherwise an error naming each one that waits to be restarted, with its
// last failure.
func (g *Group) Ready() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	var down []string
	for name, insts := range g.byName {
		for _, in := range insts {
			if !in.running {
				down = append(down, fmt.Sprintf("%s restarting (failed %d times, last: %v)", name, in.failures, in.lastErr))
				break
			}
		}
	}
	if len(down) == 0 {
		return nil
	}
	slices.Sort(down)
	return errors.New("components down: " + strings.Join(down, "; "))
}

func (g *Group) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.Default()
}

func (g *Group) stableAfter() time.Duration {
	if g.StableAfter > 0 {
		return g.StableAfter
	}
	return DefaultStableAfter
}

func (g *Group) backoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = cmp(g.MinDelay, DefaultMinDelay)
	b.MaxInterval = cmp(g.MaxDelay, DefaultMaxDelay)
	b.Multiplier = 2
	b.RandomizationFactor = 0.2
	b.MaxElapsedTime = 0 // never give up
	b.Reset()
	return b
}

func cmp(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (g *Group) add(name string) *instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byName == nil {
		g.byName = map[string][]*instance{}
	}
	in := &instance{}
	g.byName[name] = append(g.byName[name], in)
	return in
}

func (g *Group) remove(name string, in *instance) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.byName[name] = slices.DeleteFunc(g.byName[name], func(x *instance) bool { return x == in })
	if len(g.byName[name]) == 0 {
		delete(g.byName, name)
	}
	g.updateUp(name)
}

func (g *Group) setRunning(name string, in *instance) {
	g.mu.Lock()
	defer g.mu.Unlock()
	in.running = true
	g.updateUp(name)
}

// setRestarting records a failure and returns how many runs in a row have
// failed (counting from 1 again after a stable run).
func (g *Group) setRestarting(name string, in *instance, err error, stable bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if stable {
		in.failures = 0
	}
	in.running = false
	in.failures++
	in.lastErr = err
	g.updateUp(name)
	if g.metrics != nil {
		g.metrics.restarts.WithLabelValues(name).Inc()
	}
	return in.failures
}

// updateUp sets the up gauge of name; g.mu is held.
func (g *Group) updateUp(name string) {
	if g.metrics == nil {
		return
	}
	n := 0
	for _, in := range g.byName[name] {
		if in.running {
			n++
		}
	}
	g.metrics.up.WithLabelValues(name).Set(float64(n))
}
