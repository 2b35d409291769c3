// Package authnats carries authentication state between API processes over
// NATS, apart from package auth so that the domain code that uses tokens,
// hashes and scopes does not depend on NATS.
//
// Keeping caches in step: each API process runs one Listener. It reads the
// key and organization-access events from JetStream as the relay publishes
// them and drops the affected cache entries, so that revoking, rotating,
// disabling or changing a key, or disabling an organization, takes effect
// everywhere within the relay's latency (well under a second) instead of
// the cache TTL.
//
// The process that ran the command has already invalidated its own cache
// right after the commit; the listener is for every other process.
//
// Sharing the brute-force throttle: ThrottleGossip (gossip.go) publishes
// what this process's throttle records and applies what its peers saw.
package authnats

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
)

// Invalidator is the cache the listener keeps honest
// (auth.Cache[httpapi.Principal] implements it).
type Invalidator interface {
	// InvalidateKey drops every cached secret of the key.
	InvalidateKey(keyID string)
	// InvalidateAll drops everything.
	InvalidateAll()
}

// Organizations is the cache of folded organizations the listener keeps
// honest too (accounts.OrganizationCache implements it).
type Organizations interface {
	// Observe drops the organizations the events change.
	Observe(batch []events.Event)
	// InvalidateAll drops everything.
	InvalidateAll()
}

// Subjects are the events that change what authentication answers, or
// the organization it describes: every key event and every organization
// event (its profile, its logo, the operator's switch of its API access).
func Subjects() []string {
	return []string{
		events.FilterSubject("", "", "key.>"),
		events.FilterSubject("", "", "organization.>"),
	}
}

// Listener consumes the events of Subjects and invalidates auth.Cache and
// the organization cache.
type Listener struct {
	JS    jetstream.JetStream
	Cache Invalidator
	// Organizations, when set, is invalidated by organization events.
	Organizations Organizations
	Log           *slog.Logger
	// OnEvent, if set, is called after each event was applied (tests,
	// metrics).
	OnEvent func(events.Event)
}

// Run listens until ctx ends, then returns nil. It returns an error when it
// cannot subscribe (the EVENTS stream does not exist yet, NATS is closed):
// the API runs it under a supervise.Group, which tries again.
func (l *Listener) Run(ctx context.Context) error {
	stop, err := l.Start(ctx)
	if err != nil {
		return err
	}
	<-ctx.Done()
	stop()
	return nil
}

// Start subscribes and returns once the subscription exists: events
// published from then on are seen. It uses an ordered consumer (ephemeral,
// in-memory, recreated by the client after any gap or reconnection) that
// delivers only new events: a process that starts has an empty cache, so
// the past is irrelevant to it.
//
// When the consumer reports an error (missed heartbeats during a
// disconnection, a reset after a gap) the whole cache is dropped: some
// invalidation may have been missed, and re-verifying keys costs one
// bcrypt each, which is bounded and throttled.
func (l *Listener) Start(ctx context.Context) (stop func(), err error) {
	if l.Log == nil {
		l.Log = slog.Default()
	}
	cons, err := l.JS.OrderedConsumer(ctx, events.StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: Subjects(),
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("authsync: consumer: %w", err)
	}
	cc, err := cons.Consume(l.handle, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		l.Log.Warn("authsync: consumer interrupted; dropping the key cache", "err", err)
		l.invalidateAll()
	}))
	if err != nil {
		return nil, fmt.Errorf("authsync: consume: %w", err)
	}
	return cc.Stop, nil
}

func (l *Listener) handle(msg jetstream.Msg) {
	e, err := natsjs.Decode(msg)
	if err != nil {
		// Cannot tell which key changed: be safe.
		l.Log.Error("authsync: undecodable event; dropping the key cache", "err", err)
		l.invalidateAll()
		return
	}
	Apply(l.Cache, e)
	if l.Organizations != nil {
		l.Organizations.Observe([]events.Event{e})
	}
	if l.OnEvent != nil {
		l.OnEvent(e)
	}
}

func (l *Listener) invalidateAll() {
	l.Cache.InvalidateAll()
	if l.Organizations != nil {
		l.Organizations.InvalidateAll()
	}
}

// Apply invalidates what event e makes stale.
func Apply(c Invalidator, e events.Event) {
	switch e.Type {
	case events.KeyCreated, events.KeyUpdated, events.KeyRotated, events.KeyRevoked:
		c.InvalidateKey(e.StreamID)
	case events.OrganizationDisabled, events.OrganizationEnabled:
		c.InvalidateAll()
	}
}
