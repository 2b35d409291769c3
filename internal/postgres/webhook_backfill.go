package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/webhooks"
)

// BackfillEndpoint implements command.Endpoints: it creates the endpoint,
// then, in the same transaction, records one delivery of each event of the
// endpoint's organization and mode that it subscribes to and that happened
// from since until its creation, with the body the fan-out would store
// (Render). More than webhooks.MaxBackfill such events are counted first
// and refused: the transaction, the endpoint included, rolls back.
// Deliveries are keyed by (event_id, endpoint_id) like the fan-out's.
func (s *WebhookStore) BackfillEndpoint(ctx context.Context, st events.Stream, meta events.Metadata, claim *command.Claim, since time.Time, decide func(history []events.Event) ([]events.Draft, error), then func(all []events.Event) error) error {
	_, err := s.store.RunClaimed(ctx, meta, claim, func(tx *Tx) error {
		all, err := s.executeIn(ctx, tx, st, decide)
		if err != nil {
			return err
		}
		ep, err := webhooks.FoldEndpoint(all)
		if err != nil {
			return err
		}
		if err := s.backfill(ctx, tx, ep, since); err != nil {
			return err
		}
		return then(all)
	})
	return err
}

// backfillWhere selects the events a backfill of endpoint $3 delivers:
// $1 org, $2 livemode, $4 since, $5 the endpoint's creation, $6 its
// enabled events.
const backfillWhere = `org_id = $1 AND livemode = $2 AND stream_id <> $3
	AND created_at >= $4 AND created_at < $5
	AND ('*' = ANY ($6::text[]) OR type = ANY ($6::text[]))`

func (s *WebhookStore) backfill(ctx context.Context, tx *Tx, ep *webhooks.Endpoint, since time.Time) error {
	args := []any{ep.OrgID, ep.Livemode, ep.ID, since, ep.CreatedAt, ep.EnabledEvents}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE `+backfillWhere+` LIMIT $7) m`,
		append(args, webhooks.MaxBackfill+1)...).Scan(&n); err != nil {
		return fmt.Errorf("count backfill of %s: %w", ep.ID, err)
	}
	if n > webhooks.MaxBackfill {
		return webhooks.ErrBackfillTooLarge()
	}
	if n == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM events WHERE `+backfillWhere+` ORDER BY position`, args...)
	if err != nil {
		return fmt.Errorf("backfill events of %s: %w", ep.ID, err)
	}
	list, err := collectEvents(rows, events.Upcast)
	if err != nil {
		return fmt.Errorf("backfill events of %s: %w", ep.ID, err)
	}
	bodies, err := s.renderAll(ctx, tx, list)
	if err != nil {
		return err
	}
	return insertBackfill(ctx, tx, ep, list, bodies)
}

// renderAll renders each event of list as the fan-out does, through tx:
// a backfill of 10,000 events holds one connection, never a pool's worth.
func (s *WebhookStore) renderAll(ctx context.Context, tx *Tx, list []events.Event) ([][]byte, error) {
	body := s.Body
	if body == nil {
		body = func(h []events.Event) ([]byte, error) { return webhooks.Body(h[len(h)-1]) }
	}
	bodies, err := RenderAll(ctx, tx, list, body)
	if err != nil {
		return nil, fmt.Errorf("backfill: %w", err)
	}
	return bodies, nil
}

// RenderAll gives body the history of each event of list (its stream up
// to it) and returns the results in order. The streams are read in one
// query, each once, however many events of list it has.
func RenderAll(ctx context.Context, q Querier, list []events.Event, body func(history []events.Event) ([]byte, error)) ([][]byte, error) {
	histories, err := LoadStreamsUpTo(ctx, q, list)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(list))
	for i, e := range list {
		h := histories[e.StreamID]
		if e.StreamVersion < 1 || len(h) < e.StreamVersion || h[e.StreamVersion-1].ID != e.ID {
			return nil, fmt.Errorf("render %s: not in its stream %s at version %d", e.ID, e.StreamID, e.StreamVersion)
		}
		if bodies[i], err = body(h[:e.StreamVersion]); err != nil {
			return nil, fmt.Errorf("render %s: %w", e.ID, err)
		}
	}
	return bodies, nil
}

// insertBackfill records the deliveries of list to ep like the fan-out
// does: due now in live mode, skipped in test mode (no external effects).
func insertBackfill(ctx context.Context, tx *Tx, ep *webhooks.Endpoint, list []events.Event, bodies [][]byte) error {
	var d deliveryRows
	for i, e := range list {
		d.add(e, bodies[i], ep.ID)
	}
	if _, err := insertDeliveries(ctx, tx, d); err != nil {
		return fmt.Errorf("backfill of %s: %w", ep.ID, err)
	}
	return nil
}
