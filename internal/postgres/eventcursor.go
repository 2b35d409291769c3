package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// EventAtCursor returns the tenant's event at a relay cursor (a client
// resuming the event stream names the last event it saw by its cursor).
// It is found by its position, the primary key.
func (s *EventStore) EventAtCursor(ctx context.Context, t facturo.Tenant, c events.Cursor) (events.Event, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE position = $1 AND tx_id = $2::text::xid8 AND org_id = $3 AND livemode = $4`,
		c.Position, strconv.FormatUint(c.TxID, 10), t.OrgID, t.Livemode)
	if err != nil {
		return events.Event{}, fmt.Errorf("event at %v: %w", c, err)
	}
	evs, err := s.collect(rows)
	if err != nil {
		return events.Event{}, err
	}
	if len(evs) == 0 {
		return events.Event{}, facturo.NotFound("event", fmt.Sprintf("%d:%d", c.TxID, c.Position))
	}
	return evs[0], nil
}
