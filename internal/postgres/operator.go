package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// The reads of the operator tooling (internal/replay): they work across
// tenants, on the events table as a whole.

// EventRange selects stored events: by position (FromPos..ToPos, inclusive)
// or by creation time (From..To, To exclusive), optionally one organization
// and one type. Zero bounds are open.
type EventRange struct {
	FromPos, ToPos int64
	From, To       time.Time
	OrgID          string
	Type           string
	// After, when set, skips the events up to and including this cursor:
	// where an interrupted walk stopped.
	After events.Cursor
}

func (r EventRange) where() (string, []any) {
	sql, args := "TRUE", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		sql += fmt.Sprintf(" AND "+cond, len(args))
	}
	if r.FromPos > 0 {
		add("position >= $%d", r.FromPos)
	}
	if r.ToPos > 0 {
		add("position <= $%d", r.ToPos)
	}
	if !r.From.IsZero() {
		add("created_at >= $%d", r.From)
	}
	if !r.To.IsZero() {
		add("created_at < $%d", r.To)
	}
	if r.OrgID != "" {
		add("org_id = $%d", r.OrgID)
	}
	if r.Type != "" {
		add("type = $%d", r.Type)
	}
	if r.After != (events.Cursor{}) {
		args = append(args, strconv.FormatUint(r.After.TxID, 10), r.After.Position)
		sql += fmt.Sprintf(" AND (tx_id, position) > ($%d::text::xid8, $%d)", len(args)-1, len(args))
	}
	return sql, args
}

// Match reports whether e is in r (the same test as the SQL of Bounds).
func (r EventRange) Match(e events.Event) bool {
	return e.Cursor().After(r.After) && (r.FromPos == 0 || e.Position >= r.FromPos) && (r.ToPos == 0 || e.Position <= r.ToPos) &&
		(r.From.IsZero() || !e.CreatedAt.Before(r.From)) && (r.To.IsZero() || e.CreatedAt.Before(r.To)) &&
		(r.OrgID == "" || e.OrgID == r.OrgID) && (r.Type == "" || e.Type == r.Type)
}

// Bounds returns the number of events in r and the first and last of them
// in relay order.
func (s *EventStore) Bounds(ctx context.Context, r EventRange) (n int64, first, last events.Cursor, err error) {
	where, args := r.where()
	var ftx, ltx *string
	var fpos, lpos *int64
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*),
		(array_agg(tx_id::text ORDER BY tx_id, position))[1], (array_agg(position ORDER BY tx_id, position))[1],
		(array_agg(tx_id::text ORDER BY tx_id DESC, position DESC))[1], (array_agg(position ORDER BY tx_id DESC, position DESC))[1]
		FROM events WHERE `+where, args...).Scan(&n, &ftx, &fpos, &ltx, &lpos)
	if err != nil || n == 0 {
		return n, first, last, err
	}
	if first.TxID, err = strconv.ParseUint(*ftx, 10, 64); err != nil {
		return
	}
	if last.TxID, err = strconv.ParseUint(*ltx, 10, 64); err != nil {
		return
	}
	first.Position, last.Position = *fpos, *lpos
	return n, first, last, nil
}

// FindEvent returns one event by id, whatever its tenant.
func (s *EventStore) FindEvent(ctx context.Context, id string) (events.Event, error) {
	var t facturo.Tenant
	err := s.db.Pool.QueryRow(ctx, `SELECT org_id, livemode FROM events WHERE id = $1`, id).Scan(&t.OrgID, &t.Livemode)
	if errors.Is(err, pgx.ErrNoRows) {
		return events.Event{}, facturo.NotFound("event", id)
	}
	if err != nil {
		return events.Event{}, fmt.Errorf("event %s: %w", id, err)
	}
	return s.EventByID(ctx, t, id)
}

// EventLag counts the events stored after c and gives the age, in seconds,
// of the oldest of them (0 if none).
func EventLag(ctx context.Context, q Querier, c events.Cursor) (n int64, seconds float64, err error) {
	err = q.QueryRow(ctx, `SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
		FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)`,
		strconv.FormatUint(c.TxID, 10), c.Position).Scan(&n, &seconds)
	if err != nil {
		return 0, 0, fmt.Errorf("lag: %w", err)
	}
	return n, seconds, nil
}
