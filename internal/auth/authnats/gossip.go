package authnats

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/id"
)

// ThrottleSubject carries the brute-force throttle's observations between
// API processes. It is core NATS, outside the EVENTS stream: counters that
// expire within minutes need no persistence, and a process that starts
// late simply counts from then on.
const ThrottleSubject = "facturo.auth.throttle"

// Limits of what one process accepts from a peer: a message is a batch of
// observations, each with a client key (an IPv4 address or an IPv6 /64)
// and a key prefix.
const (
	gossipMaxBatch  = 1000
	gossipMaxIP     = 64
	gossipMaxPrefix = 32
)

// ThrottleGossip shares the throttle's failures and successes with every
// other API process, so that the limits of the brute-force policy hold for
// the whole deployment rather than per process: ten wrong keys from one IP
// block it on every copy, wherever the load balancer sent them.
//
// Observations are batched (one message per Interval at most) so that a
// flood of wrong keys costs a few messages a second, not one per request.
// Sharing is best effort: if NATS is unreachable or the queue is full, each
// process still counts what it sees itself.
type ThrottleGossip struct {
	NC       *nats.Conn
	Throttle *auth.Throttle
	Log      *slog.Logger
	Interval time.Duration // batching delay; default 50 ms

	origin string
	queue  chan auth.Observation
}

type gossipMsg struct {
	Origin       string             `json:"origin"`
	Observations []auth.Observation `json:"observations"`
}

// NewThrottleGossip connects th to its peers through nc: from now on th
// queues what it records for publishing. Call Run to publish and receive.
func NewThrottleGossip(nc *nats.Conn, th *auth.Throttle, log *slog.Logger) *ThrottleGossip {
	g := &ThrottleGossip{NC: nc, Throttle: th, Log: log, origin: id.New("proc"), queue: make(chan auth.Observation, 4*gossipMaxBatch)}
	th.Share = g.enqueue
	return g
}

func (g *ThrottleGossip) enqueue(o auth.Observation) {
	select {
	case g.queue <- o:
	default: // full: the peers miss this one, this process counted it
	}
}

// Run receives the peers' observations and publishes this process's until
// ctx ends, then returns nil. It returns an error when it cannot subscribe
// (the connection is closed): the API runs it under a supervise.Group.
func (g *ThrottleGossip) Run(ctx context.Context) error {
	if g.Log == nil {
		g.Log = slog.Default()
	}
	if g.Interval <= 0 {
		g.Interval = 50 * time.Millisecond
	}
	sub, err := g.NC.Subscribe(ThrottleSubject, g.receive)
	if err != nil {
		return fmt.Errorf("authsync: subscribe %s: %w", ThrottleSubject, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	tick := time.NewTicker(g.Interval)
	defer tick.Stop()
	var batch []auth.Observation
	for {
		select {
		case <-ctx.Done():
			g.publish(drain(batch, g.queue))
			return nil
		case o := <-g.queue:
			batch = append(batch, o)
			if len(batch) >= gossipMaxBatch {
				batch = g.publish(batch)
			}
		case <-tick.C:
			batch = g.publish(batch)
		}
	}
}

// drain appends what the queue holds to batch.
func drain(batch []auth.Observation, q chan auth.Observation) []auth.Observation {
	for {
		select {
		case o := <-q:
			batch = append(batch, o)
		default:
			return batch
		}
	}
}

// publish sends batch (in messages of at most gossipMaxBatch) and returns
// it emptied for reuse.
func (g *ThrottleGossip) publish(batch []auth.Observation) []auth.Observation {
	for rest := batch; len(rest) > 0; {
		n := min(len(rest), gossipMaxBatch)
		body, err := json.Marshal(gossipMsg{Origin: g.origin, Observations: rest[:n]})
		if err == nil {
			err = g.NC.Publish(ThrottleSubject, body)
		}
		if err != nil {
			g.Log.Warn("authsync: sharing throttle observations failed; peers miss them", "observations", n, "err", err)
		}
		rest = rest[n:]
	}
	return batch[:0]
}

func (g *ThrottleGossip) receive(msg *nats.Msg) {
	var m gossipMsg
	if err := json.Unmarshal(msg.Data, &m); err != nil {
		g.Log.Warn("authsync: undecodable throttle message", "err", err)
		return
	}
	if m.Origin == g.origin {
		return // our own, already counted
	}
	now := time.Now()
	for _, o := range m.Observations[:min(len(m.Observations), gossipMaxBatch)] {
		if len(o.IP) <= gossipMaxIP && len(o.Prefix) <= gossipMaxPrefix {
			g.Throttle.Observe(o, now)
		}
	}
}
