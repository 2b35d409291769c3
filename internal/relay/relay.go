// Package relay moves events from the PostgreSQL event store to the NATS
// JetStream stream EVENTS, in relay order (tx_id, position), never skipping
// an event.
//
// Why (tx_id, position) and the snapshot horizon: positions come from a
// sequence, which hands out numbers at insert time, not at commit. A
// transaction holding position 10 can commit after one holding position 11;
// a reader that has moved past 11 would never see 10. The relay therefore
// only reads events of transactions older than the oldest transaction still
// running that may append events (postgres.ReadAfter: transactions that
// declared postgres.NoEvents are not waited for), where nothing can appear
// any more, and orders them by transaction id then position.
//
// The relay wakes on a core NATS message that writers publish after each
// commit (Announce, WakeSubject) and polls as a fallback.
//
// Only one relay publishes at a time (a session advisory lock, taken with
// postgres.Lead); others wait as standbys. Run does one stint as relay or
// standby and returns on failure; internal/app runs it under a
// supervise.Group, which restarts it with backoff. Each event is published with Nats-Msg-Id = event id, so a
// relay that dies after publishing but before saving its cursor republishes
// a batch that JetStream deduplicates; consumers skip anything at or before
// their own cursor in any case.
package relay

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// lockKey is the advisory lock held by the active relay.
const lockKey = 0x6661637475726f01 // "facturo" + 1

// Publisher is the slice of JetStream the relay uses.
type Publisher interface {
	PublishMsgAsync(msg *nats.Msg, opts ...jetstream.PublishOpt) (jetstream.PubAckFuture, error)
}

// WakeSubject is the core NATS subject on which writers announce a commit
// that appended events (Announce); the active relay listens on it.
const WakeSubject = "facturo.relay.wake"

// Announce returns an EventStore.OnCommit hook that publishes one core
// NATS message on WakeSubject after each commit that appended events, so
// that the active relay, in whatever process, looks at once. It replaces a
// NOTIFY in every appending transaction, which serialized commits on
// PostgreSQL's notification lock. Fire and forget: a wake-up lost (NATS
// away, no relay active) only leaves the events to the relay's poll.
func Announce(nc *nats.Conn) func([]events.Event) {
	return func([]events.Event) { _ = nc.Publish(WakeSubject, nil) }
}

// Relay publishes stored events to JetStream.
type Relay struct {
	Store     *postgres.EventStore
	JS        Publisher
	Log       *slog.Logger
	Name      string        // cursor row; "main" unless several relays feed different streams
	BatchSize int           // events per read, default 500
	Poll      time.Duration // fallback when no wake-up arrives, default 1s
	// Wakes, when set, is the NATS connection on which the active relay
	// hears WakeSubject. Without it the relay finds new events by polling.
	Wakes *nats.Conn
	// OnPublished, if set, is called after each batch is acknowledged and
	// the cursor saved (metrics, tests).
	OnPublished func(batch []events.Event)
}

func (r *Relay) defaults() {
	if r.Name == "" {
		r.Name = "main"
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 500
	}
	if r.Poll <= 0 {
		r.Poll = time.Second
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// Run relays until ctx ends, then returns nil. While another relay is
// active it waits for the lock as a standby. It returns an error when it
// cannot go on (a lost connection, a publish that failed): run it under a
// supervise.Group, which starts it over.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	err := r.Store.DB().Lead(ctx, postgres.LockKey(lockKey), r.Poll, r.lead)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// lead runs on the session holding the relay lock and saves the cursor
// and checks for pending events through it: a session that died (and so
// lost the lock) fails the next drain, within a poll. The cursor is read once and then kept in memory, saved
// once per published batch. Wake-ups coalesce: any number that arrive
// during a drain make one more drain.
func (r *Relay) lead(ctx context.Context, conn *pgx.Conn) error {
	r.Log.Info("relay active")
	wake := make(chan struct{}, 1)
	if r.Wakes != nil {
		sub, err := r.Wakes.Subscribe(WakeSubject, func(*nats.Msg) {
			select {
			case wake <- struct{}{}:
			default:
			}
		})
		if err != nil {
			return fmt.Errorf("subscribe to %s: %w", WakeSubject, err)
		}
		defer func() { _ = sub.Unsubscribe() }()
		// Subscribed on the server before the first drain, so that no
		// commit falls between the two unheard; failing that, the poll.
		_ = r.Wakes.FlushTimeout(time.Second)
	}
	// A cursor save lost in a crash only means that batch is published
	// again, which JetStream drops by Nats-Msg-Id and every consumer
	// skips: the session does not wait for each save's WAL flush.
	if _, err := conn.Exec(ctx, `SET synchronous_commit = off`); err != nil {
		return fmt.Errorf("relay session: %w", err)
	}
	cursors := postgres.NewRelayCursors(conn)
	cur, err := cursors.Get(ctx, r.Name)
	if err != nil {
		return err
	}
	for {
		heldBack, err := r.drain(ctx, conn, &cur)
		if err != nil {
			return err
		}
		wait := r.Poll
		if heldBack {
			// Committed events wait behind an older open transaction; no
			// wake-up will come when it ends, so look again soon.
			wait = heldBackRetry
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Drain publishes every event past the cursor that is below the horizon.
// Callers must hold the relay lock (Run does).
func (r *Relay) Drain(ctx context.Context) error {
	r.defaults()
	pool := r.Store.DB().Pool
	cur, err := postgres.NewRelayCursors(pool).Get(ctx, r.Name)
	if err != nil {
		return err
	}
	_, err = r.drain(ctx, pool, &cur)
	return err
}

// heldBackRetry is how soon the relay looks again when events exist past its
// cursor that the snapshot horizon still hides.
const heldBackRetry = 20 * time.Millisecond

// drain publishes what it can past *cur, saving the cursor through q (the
// lock's session in a stint) and moving *cur with each saved batch, and
// reports whether events past the cursor are still held back by the
// horizon. Two things overlap the wait for a batch's PubAcks: the next
// batch is read (from the pool) and published. The cursor still moves
// only over batches whose every PubAck came, in order; a failure ends the
// drain with the cursor after the last such batch, and whatever was
// published past it is published again by the next drain, which
// JetStream drops by Nats-Msg-Id.
func (r *Relay) drain(ctx context.Context, q postgres.Querier, cur *events.Cursor) (heldBack bool, err error) {
	cursors := postgres.NewRelayCursors(q)
	rctx, cancel := context.WithCancel(ctx)
	batches := make(chan readBatch, 1)
	go r.readAhead(rctx, *cur, batches)
	defer func() {
		cancel()
		for range batches { // wait for the reader to end
		}
	}()
	var inFlight *sent // published, acknowledgements awaited
	settle := func() error {
		if inFlight == nil {
			return nil
		}
		b := inFlight
		inFlight = nil
		seq, err := b.acked(ctx)
		if err != nil {
			return err
		}
		next := b.events[len(b.events)-1].Cursor()
		if err := cursors.Save(ctx, r.Name, next, seq); err != nil {
			return err
		}
		*cur = next
		if r.OnPublished != nil {
			r.OnPublished(b.events)
		}
		return nil
	}
	for b := range batches {
		if b.err != nil {
			return false, b.err
		}
		if len(b.events) > 0 {
			next, err := r.send(b.events)
			if err != nil {
				return false, err
			}
			if err := settle(); err != nil {
				return false, err
			}
			inFlight = next
		}
		if len(b.events) < r.BatchSize {
			if err := settle(); err != nil {
				return false, err
			}
			return cursors.AnyAfter(ctx, *cur)
		}
	}
	return false, ctx.Err()
}

// readBatch is one read of readAhead.
type readBatch struct {
	events []events.Event
	err    error
}

// readAhead reads batches after cur in relay order until one is short or
// fails, one batch ahead of the publisher, and closes out.
func (r *Relay) readAhead(ctx context.Context, cur events.Cursor, out chan<- readBatch) {
	defer close(out)
	for {
		batch, err := r.Store.ReadAfter(ctx, r.Store.DB().Pool, cur, r.BatchSize)
		select {
		case out <- readBatch{batch, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || len(batch) < r.BatchSize {
			return
		}
		cur = batch[len(batch)-1].Cursor()
	}
}

// sent is a batch published asynchronously, its PubAcks pending.
type sent struct {
	events  []events.Event
	futures []jetstream.PubAckFuture
}

// send publishes a batch asynchronously.
func (r *Relay) send(batch []events.Event) (*sent, error) {
	futures := make([]jetstream.PubAckFuture, len(batch))
	for i, e := range batch {
		msg, err := Message(e)
		if err != nil {
			return nil, err
		}
		if futures[i], err = r.JS.PublishMsgAsync(msg, jetstream.WithMsgID(e.ID)); err != nil {
			return nil, fmt.Errorf("publish %s: %w", e.ID, err)
		}
	}
	return &sent{events: batch, futures: futures}, nil
}

// acked waits for every PubAck of the batch and returns the stream
// sequence of its last event.
func (b *sent) acked(ctx context.Context) (uint64, error) {
	var last uint64
	for i, f := range b.futures {
		select {
		case ack := <-f.Ok():
			last = ack.Sequence
		case err := <-f.Err():
			return 0, fmt.Errorf("publish %s: %w", b.events[i].ID, err)
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return last, nil
}

// Message encodes an event for JetStream. Replay tooling republishes with it
// too, so every copy of an event looks the same.
func Message(e events.Event) (*nats.Msg, error) {
	msg := nats.NewMsg(events.Subject(e))
	body, err := encode(e)
	if err != nil {
		return nil, err
	}
	msg.Data = body
	msg.Header.Set(events.HeaderPosition, strconv.FormatInt(e.Position, 10))
	msg.Header.Set(events.HeaderTxID, strconv.FormatUint(e.TxID, 10))
	return msg, nil
}
