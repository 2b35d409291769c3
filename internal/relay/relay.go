// Package relay moves events from the PostgreSQL event store to the NATS
// JetStream stream EVENTS, in relay order (tx_id, position), never skipping
// an event.
//
// Why (tx_id, position) and the snapshot horizon: positions come from a
// sequence, which hands out numbers at insert time, not at commit. A
// transaction holding position 10 can commit after one holding position 11;
// a reader that has moved past 11 would never see 10. The relay therefore
// only reads events of transactions older than the oldest transaction still
// running (pg_snapshot_xmin), where nothing can appear any more, and orders
// them by transaction id then position.
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
	"github.com/facturo/facturo/internal/pgnotify"
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

// Relay publishes stored events to JetStream.
type Relay struct {
	Store     *postgres.EventStore
	JS        Publisher
	Log       *slog.Logger
	Name      string        // cursor row; "main" unless several relays feed different streams
	BatchSize int           // events per read, default 500
	Poll      time.Duration // fallback when no notification arrives, default 1s
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

// lead runs on the session holding the relay lock: it LISTENs there and
// drains the outbox whenever woken.
func (r *Relay) lead(ctx context.Context, conn *pgx.Conn) error {
	r.Log.Info("relay active")
	if err := pgnotify.Listen(ctx, conn, "facturo_events"); err != nil {
		return err
	}
	for {
		heldBack, err := r.drain(ctx)
		if err != nil {
			return err
		}
		wait := r.Poll
		if heldBack {
			// Committed events wait behind an older open transaction; no
			// notification will come when it ends, so look again soon.
			wait = heldBackRetry
		}
		if _, err := pgnotify.Wait(ctx, conn, wait); err != nil {
			return err
		}
	}
}

func (r *Relay) cursors() *postgres.RelayCursors { return postgres.NewRelayCursors(r.Store.DB()) }

// Drain publishes every event past the cursor that is below the horizon.
// Callers must hold the relay lock (Run does).
func (r *Relay) Drain(ctx context.Context) error {
	_, err := r.drain(ctx)
	return err
}

// heldBackRetry is how soon the relay looks again when events exist past its
// cursor that the snapshot horizon still hides.
const heldBackRetry = 20 * time.Millisecond

// drain publishes what it can and reports whether events past the cursor
// are still held back by the horizon.
func (r *Relay) drain(ctx context.Context) (heldBack bool, err error) {
	r.defaults()
	cur, err := r.cursors().Get(ctx, r.Name)
	if err != nil {
		return false, err
	}
	for {
		batch, err := r.Store.ReadAfter(ctx, r.Store.DB().Pool, cur, r.BatchSize)
		if err != nil {
			return false, err
		}
		if len(batch) > 0 {
			seq, err := r.publish(ctx, batch)
			if err != nil {
				return false, err
			}
			cur = batch[len(batch)-1].Cursor()
			if err := r.cursors().Save(ctx, r.Name, cur, seq); err != nil {
				return false, err
			}
			if r.OnPublished != nil {
				r.OnPublished(batch)
			}
		}
		if len(batch) < r.BatchSize {
			return r.cursors().AnyAfter(ctx, cur)
		}
	}
}

// publish sends a batch asynchronously and waits for every PubAck. It
// returns the stream sequence of the last event.
func (r *Relay) publish(ctx context.Context, batch []events.Event) (uint64, error) {
	futures := make([]jetstream.PubAckFuture, len(batch))
	for i, e := range batch {
		msg, err := Message(e)
		if err != nil {
			return 0, err
		}
		if futures[i], err = r.JS.PublishMsgAsync(msg, jetstream.WithMsgID(e.ID)); err != nil {
			return 0, fmt.Errorf("publish %s: %w", e.ID, err)
		}
	}
	var last uint64
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			last = ack.Sequence
		case err := <-f.Err():
			return 0, fmt.Errorf("publish %s: %w", batch[i].ID, err)
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
