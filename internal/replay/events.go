package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
)

// Range selects stored events (see postgres.EventRange); Range.After is
// where an interrupted Walk or Republish stopped.
type Range = postgres.EventRange

// Walk calls fn with every event of r in relay order, in batches read
// straight from PostgreSQL below the snapshot horizon.
func Walk(ctx context.Context, store *postgres.EventStore, r Range, batchSize int, fn func(total int64, batch []events.Event) error) error {
	n, first, last, err := store.Bounds(ctx, r)
	if err != nil {
		return fmt.Errorf("select events: %w", err)
	}
	if n == 0 {
		return nil
	}
	cur := events.Cursor{TxID: first.TxID, Position: first.Position - 1}
	if r.After.After(cur) {
		cur = r.After
	}
	for {
		batch, err := store.ReadAfter(ctx, store.DB().Pool, cur, batchSize)
		if err != nil {
			return err
		}
		sel := batch[:0]
		for _, e := range batch {
			if e.Cursor().After(last) {
				break
			}
			if r.Match(e) {
				sel = append(sel, e)
			}
			cur = e.Cursor()
		}
		if len(sel) > 0 {
			if err := fn(n, sel); err != nil {
				return err
			}
		}
		if cur == last {
			return nil
		}
		if len(batch) < batchSize {
			// Short of the range's last event: an older transaction still
			// open holds the rest back (the snapshot horizon). Wait for it.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// Republish publishes the events of r to JetStream again, as the relay
// shaped them (relay.Message). The copies carry no Nats-Msg-Id, so
// JetStream's duplicate window does not swallow them; every consumer skips
// or dedupes them by cursor or event id (projections by checkpoint, webhook
// fan-out by (event_id, endpoint_id)), and other subscribers by event id.
//
// It returns how many events it published and the cursor of the last one
// acknowledged: an interrupted run resumes with Range.After set to it.
func Republish(ctx context.Context, store *postgres.EventStore, js jetstream.JetStream, r Range, progress func(done, total int64)) (int64, events.Cursor, error) {
	var done int64
	last := r.After
	err := Walk(ctx, store, r, 1000, func(total int64, batch []events.Event) error {
		futures := make([]jetstream.PubAckFuture, len(batch))
		for i, e := range batch {
			msg, err := relay.Message(e)
			if err != nil {
				return err
			}
			if futures[i], err = js.PublishMsgAsync(msg); err != nil {
				return fmt.Errorf("publish %s: %w", e.ID, err)
			}
		}
		for i, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("publish %s: %w", batch[i].ID, err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		done += int64(len(batch))
		last = batch[len(batch)-1].Cursor()
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	return done, last, err
}

// Show returns one event by id, whatever its tenant (operator tooling).
func Show(ctx context.Context, store *postgres.EventStore, id string) (events.Event, error) {
	return store.FindEvent(ctx, id)
}

// Tail follows the live stream from now on and calls fn with each event
// matching the filter subject, until ctx ends.
func Tail(ctx context.Context, stream jetstream.Stream, mode, org, typ string, fn func(events.Event) error) error {
	return natsjs.Follow(ctx, stream, natsjs.FollowFilter{Mode: mode, Org: org, Type: typ}, fn)
}
