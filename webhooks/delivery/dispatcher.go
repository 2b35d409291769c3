package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FanoutStore records the deliveries of an event.
type FanoutStore interface {
	// Fanout records one delivery of e, with body, for every enabled
	// endpoint of e's organization and mode that subscribes to e's type and
	// existed when e happened. Test-mode deliveries are recorded as skipped.
	// Deliveries already recorded for (event, endpoint) stay as they are, so
	// calling Fanout again for the same event changes nothing.
	Fanout(ctx context.Context, e events.Event, body []byte) (int, error)
}

// DefaultDurable is the JetStream durable consumer shared by every
// Dispatcher: fan-out is idempotent, so any worker may take any event.
const DefaultDurable = "webhooks-fanout"

// Dispatcher turns events from JetStream into delivery rows in PostgreSQL.
// It acknowledges an event only after its deliveries are committed, so a
// crash redelivers it and nothing is lost.
type Dispatcher struct {
	Store   FanoutStore
	Stream  jetstream.Stream // EVENTS
	Durable string           // default DefaultDurable
	Log     *slog.Logger
	Batch   int           // messages per fetch, default 100
	Retry   time.Duration // redelivery delay of an event that failed, default 1s
	// OnFanout, if set, hears about each event fanned out (metrics, tests).
	OnFanout func(e events.Event, deliveries int)
}

func (d *Dispatcher) defaults() {
	if d.Durable == "" {
		d.Durable = DefaultDurable
	}
	if d.Batch <= 0 {
		d.Batch = 100
	}
	if d.Retry <= 0 {
		d.Retry = time.Second
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
}

// Run fans out until ctx ends, then returns nil. It returns an error when
// it cannot go on (a NATS or PostgreSQL restart): run it under a
// supervise.Group, which starts it over; the durable consumer resumes
// where it was.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.defaults()
	err := d.consume(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (d *Dispatcher) consume(ctx context.Context) error {
	cons, err := d.Stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       d.Durable,
		Description:   "webhook fan-out: events to delivery rows",
		FilterSubject: events.SubjectPrefix + ".>",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 4 * d.Batch,
	})
	if err != nil {
		return fmt.Errorf("fan-out consumer: %w", err)
	}
	for {
		batch, err := cons.Fetch(d.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		for msg := range batch.Messages() {
			if err := d.handle(ctx, msg); err != nil {
				_ = msg.NakWithDelay(d.Retry)
				return err
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) &&
			!errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("fetch: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (d *Dispatcher) handle(ctx context.Context, msg jetstream.Msg) error {
	var e events.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil {
		// Not an event: nothing any retry could fix.
		d.Log.Error("webhook fan-out: undecodable message, dropped", "subject", msg.Subject(), "err", err)
		return msg.Term()
	}
	if err := events.Upcast(&e); err != nil {
		return err
	}
	n := 0
	if e.OrgID != "" && e.OrgID != events.NoOrg {
		body, err := webhooks.Body(e)
		if err != nil {
			return err
		}
		if n, err = d.Store.Fanout(ctx, e, body); err != nil {
			return fmt.Errorf("fan out %s: %w", e.ID, err)
		}
	}
	if err := msg.Ack(); err != nil {
		return fmt.Errorf("ack %s: %w", e.ID, err)
	}
	if d.OnFanout != nil {
		d.OnFanout(e, n)
	}
	return nil
}
