package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/webhooks"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FanoutStore records the deliveries of events, in two steps, so that the
// Dispatcher prepares a batch while the previous one commits.
type FanoutStore interface {
	// PrepareFanout finds one delivery of each event of evs for every
	// enabled endpoint of the event's organization and mode that
	// subscribes to its type and existed when it happened, with the body
	// render gives it; render is called once, with only the events that
	// have such an endpoint, and an error of render is returned as it is.
	// It writes nothing.
	PrepareFanout(ctx context.Context, evs []events.Event, render webhooks.RenderFunc) (webhooks.Fanout, error)
	// RecordFanout records the deliveries of f in one commit. Test-mode
	// deliveries are recorded as skipped. Deliveries already recorded for
	// (event, endpoint) stay as they are, so recording the same events
	// again changes nothing. It returns how many deliveries each event of
	// f got.
	RecordFanout(ctx context.Context, f webhooks.Fanout) ([]int, error)
}

// DefaultDurable is the JetStream durable consumer shared by every
// Dispatcher: fan-out is idempotent, so any worker may take any event.
const DefaultDurable = "webhooks-fanout"

// Dispatcher turns events from JetStream into delivery rows in PostgreSQL.
// It acknowledges an event only after its deliveries are committed, so a
// crash redelivers it and nothing is lost. The events that arrived while
// it fanned out the previous ones are fanned out together, in one commit.
// It prepares a batch (matches endpoints, renders bodies) while the
// previous batch commits, and commits batches one after the other, in
// the order their events arrived: a fifo endpoint's deliveries are
// recorded in event order, so its head (the first pending delivery in
// relay order) is never claimed before an earlier event's delivery exists.
type Dispatcher struct {
	Store  FanoutStore
	Stream jetstream.Stream // EVENTS
	// Render is the body of e's deliveries, computed once here and stored
	// with them, so every attempt, resend and recovery signs the same
	// bytes. The composition root renders the public event with its object
	// (events.Render over the stream up to e); nil renders e's own public
	// data (webhooks.Body), for tests of delivery alone. An event that can
	// never be rendered (events.ErrRender) is poison; any other failure is
	// retried like a failed fan-out.
	Render func(ctx context.Context, e events.Event) ([]byte, error)
	// RenderAll is Render for several events, which the fan-out calls with
	// the events of a batch that have a subscribed endpoint: the
	// composition root loads their streams in one query. nil: Render for
	// each.
	RenderAll webhooks.RenderFunc
	Durable   string // default DefaultDurable
	Log       *slog.Logger
	Batch     int           // messages per fetch, default 100
	Retry     time.Duration // redelivery delay of an event that failed, default 1s
	// MaxRetry caps the redelivery delay, which doubles with each failed
	// delivery of the event (default 1m).
	MaxRetry time.Duration
	// MaxAttempts is how many deliveries of an event whose fan-out keeps
	// failing (while its poison record can be written, so PostgreSQL
	// works) make it poison (default 10).
	MaxAttempts uint64
	// Poison records the messages that can never be fanned out (nil: they
	// are only logged and counted). See events.Poison.
	Poison PoisonStore
	// OnFanout, if set, hears about each event fanned out (metrics, tests).
	OnFanout func(e events.Event, deliveries int)
	// OnPoison, if set, hears about each poison message (metrics, tests).
	OnPoison func(p events.Poison)
	// Render, RenderAll, OnFanout and OnPoison may be called from two
	// goroutines at once: the one that prepares a batch and the one that
	// records the previous batch.
}

// PoisonStore records messages a consumer gave up on
// (postgres.PoisonStore implements it).
type PoisonStore interface {
	RecordPoison(ctx context.Context, p events.Poison) error
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
	if d.MaxRetry <= 0 {
		d.MaxRetry = time.Minute
	}
	if d.MaxAttempts == 0 {
		d.MaxAttempts = 10
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Render == nil {
		d.Render = func(_ context.Context, e events.Event) ([]byte, error) { return webhooks.Body(e) }
	}
	if d.RenderAll == nil {
		d.RenderAll = func(ctx context.Context, evs []events.Event) ([][]byte, error) {
			out := make([][]byte, len(evs))
			for i, e := range evs {
				var err error
				if out[i], err = d.Render(ctx, e); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
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
		// No server-side limit: during a long PostgreSQL outage it would
		// drop events silently. The dispatcher gives up on a message
		// itself, once it has recorded it as poison (handle), and backs
		// off its redeliveries (retryDelay).
		MaxDeliver: -1,
	})
	if err != nil {
		return fmt.Errorf("fan-out consumer: %w", err)
	}
	var recording <-chan error // the group being recorded, if any: its outcome
	for {
		batch, err := cons.Fetch(d.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		var failed error
		msgs := batch.Messages()
		for group := range arrived(msgs, d.Batch) {
			if failed != nil {
				nakAll(group) // not tried: back at once, to whoever runs next
				continue
			}
			next, err := d.prepare(ctx, group)
			if recording != nil {
				switch rerr := <-recording; {
				case rerr != nil && err == nil:
					err = rerr
					nakAll(msgsOf(next.pending))
				case rerr != nil:
					d.Log.Warn("webhook fan-out: recording failed too", "err", rerr)
				}
				recording = nil
			}
			if failed = err; failed == nil {
				recording = d.record(ctx, next)
			}
		}
		if recording != nil {
			failed = errors.Join(failed, <-recording)
			recording = nil
		}
		if failed != nil {
			return failed
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

// handle fans out one message. It returns an error only for a failure
// that a retry may fix; a message that can never be fanned out (it does
// not decode, or its event cannot be rendered) is recorded as poison and
// terminated, and the batch goes on. With pending, a message that may
// have deliveries to record is added to it instead, for prepare.
func (d *Dispatcher) handle(ctx context.Context, msg jetstream.Msg, pending *[]fanning) error {
	e, err := natsjs.Decode(msg)
	if err != nil {
		return d.poison(ctx, msg, e.ID, err)
	}
	n := 0
	if e.OrgID != "" && e.OrgID != events.NoOrg {
		if pending != nil {
			*pending = append(*pending, fanning{msg: msg, event: e})
			return nil
		}
		counts, err := d.fanout(ctx, []events.Event{e})
		if errors.Is(err, events.ErrRender) {
			return d.poison(ctx, msg, e.ID, err)
		}
		if err != nil {
			err = fmt.Errorf("fan out %s: %w", e.ID, err)
			if ctx.Err() == nil && natsjs.Deliveries(msg) >= d.MaxAttempts {
				return d.poison(ctx, msg, e.ID, err)
			}
			return err
		}
		n = counts[0]
	}
	if err := msg.Ack(); err != nil {
		return fmt.Errorf("ack %s: %w", e.ID, err)
	}
	if d.OnFanout != nil {
		d.OnFanout(e, n)
	}
	return nil
}

// fanning is a message whose deliveries are yet to be recorded.
type fanning struct {
	msg   jetstream.Msg
	event events.Event
}

// arrived yields the messages of msgs in groups: each group is what
// arrived while the previous one was handled (at least one message, at
// most max), so a quiet stream is handled message by message and a busy
// one in batches.
func arrived(msgs <-chan jetstream.Msg, max int) func(yield func([]jetstream.Msg) bool) {
	return func(yield func([]jetstream.Msg) bool) {
		for first := range msgs {
			group := []jetstream.Msg{first}
		more:
			for len(group) < max {
				select {
				case m, ok := <-msgs:
					if !ok {
						break more
					}
					group = append(group, m)
				default:
					break more
				}
			}
			if !yield(group) {
				return
			}
		}
	}
}

// fanout prepares and records the deliveries of evs.
func (d *Dispatcher) fanout(ctx context.Context, evs []events.Event) ([]int, error) {
	f, err := d.Store.PrepareFanout(ctx, evs, d.RenderAll)
	if err != nil {
		return nil, err
	}
	return d.Store.RecordFanout(ctx, f)
}

// prepared is a group whose messages may have deliveries to record
// (pending), with those deliveries, or the error preparing them gave.
type prepared struct {
	pending []fanning
	fanout  webhooks.Fanout
	err     error
}

// prepare decodes the messages of group (acknowledging those without
// deliveries, terminating the poison ones) and prepares the deliveries of
// the others with one PrepareFanout. It returns an error as handle does,
// having given back the messages not handled.
func (d *Dispatcher) prepare(ctx context.Context, group []jetstream.Msg) (prepared, error) {
	var p prepared
	for i, msg := range group {
		if err := d.handle(ctx, msg, &p.pending); err != nil {
			_ = msg.NakWithDelay(d.retryDelay(msg))
			nakAll(group[i+1:])
			nakAll(msgsOf(p.pending))
			return prepared{}, err
		}
	}
	if len(p.pending) > 0 {
		evs := make([]events.Event, len(p.pending))
		for i, f := range p.pending {
			evs[i] = f.event
		}
		p.fanout, p.err = d.Store.PrepareFanout(ctx, evs, d.RenderAll)
	}
	return p, nil
}

// record commits the deliveries of p and acknowledges its messages, in a
// goroutine of its own (the caller prepares the next group meanwhile),
// and sends its outcome on the channel it returns. If preparing or
// committing the group failed, each message is handled on its own, so
// that a failure is retried, or made poison, as that message's own. The
// error is handle's, having given back the messages not handled.
func (d *Dispatcher) record(ctx context.Context, p prepared) <-chan error {
	outcome := make(chan error, 1)
	go func() { outcome <- d.recordGroup(ctx, p) }()
	return outcome
}

func (d *Dispatcher) recordGroup(ctx context.Context, p prepared) error {
	if len(p.pending) == 0 {
		return nil
	}
	counts, err := []int(nil), p.err
	if err == nil {
		counts, err = d.Store.RecordFanout(ctx, p.fanout)
	}
	if err != nil {
		d.Log.Warn("webhook fan-out: batch failed, one event at a time", "events", len(p.pending), "err", err)
		for i, f := range p.pending {
			if err := d.handle(ctx, f.msg, nil); err != nil {
				_ = f.msg.NakWithDelay(d.retryDelay(f.msg))
				nakAll(msgsOf(p.pending[i+1:]))
				return err
			}
		}
		return nil
	}
	for i, f := range p.pending {
		if err := f.msg.Ack(); err != nil {
			nakAll(msgsOf(p.pending[i+1:]))
			return fmt.Errorf("ack %s: %w", f.event.ID, err)
		}
		if d.OnFanout != nil {
			d.OnFanout(f.event, counts[i])
		}
	}
	return nil
}

func msgsOf(fs []fanning) []jetstream.Msg {
	out := make([]jetstream.Msg, len(fs))
	for i, f := range fs {
		out[i] = f.msg
	}
	return out
}

// nakAll gives msgs back at once, to whoever runs next.
func nakAll(msgs []jetstream.Msg) {
	for _, m := range msgs {
		_ = m.Nak()
	}
}

// poison records msg as poison, then terminates it: JetStream never
// delivers it again. If the record cannot be written the message is
// retried like any failure.
func (d *Dispatcher) poison(ctx context.Context, msg jetstream.Msg, eventID string, cause error) error {
	p := natsjs.PoisonOf(d.Durable, msg, eventID, cause)
	if d.Poison != nil {
		if err := d.Poison.RecordPoison(ctx, p); err != nil {
			return fmt.Errorf("poison message %d (%v): %w", p.StreamSeq, cause, err)
		}
	}
	d.Log.Error("webhook fan-out: poison message terminated", "stream_seq", p.StreamSeq,
		"subject", p.Subject, "event_id", eventID, "err", cause)
	if d.OnPoison != nil {
		d.OnPoison(p)
	}
	if err := msg.Term(); err != nil {
		return fmt.Errorf("term poison message %d: %w", p.StreamSeq, err)
	}
	return nil
}

// retryDelay is the redelivery delay of msg after a failure: Retry,
// doubling with each delivery, up to MaxRetry.
func (d *Dispatcher) retryDelay(msg jetstream.Msg) time.Duration {
	delay := d.Retry
	for i := uint64(1); i < natsjs.Deliveries(msg) && delay < d.MaxRetry; i++ {
		delay *= 2
	}
	return min(delay, d.MaxRetry)
}
