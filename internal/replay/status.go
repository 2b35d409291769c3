package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/jackc/pgx/v5"
)

// Lag is how far a consumer is behind the events table: the events stored
// after its cursor and the age of the oldest of them.
type Lag struct {
	Events  int64
	Seconds float64
}

// Position is where the relay or a projection has got to, and its lag.
type Position struct {
	Name      string
	Cursor    events.Cursor
	StreamSeq uint64
	UpdatedAt time.Time
	Lag       Lag
	// Rebuild is the progress of a rebuild in progress or interrupted (nil
	// if none).
	Rebuild *RebuildState
}

// RebuildState is a rebuild's own checkpoint.
type RebuildState struct {
	Cursor    events.Cursor
	Applied   int64
	StartedAt time.Time
	UpdatedAt time.Time
}

// LagAfter measures the events stored after c.
func LagAfter(ctx context.Context, q postgres.Querier, c events.Cursor) (Lag, error) {
	var l Lag
	err := q.QueryRow(ctx, `SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
		FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)`,
		strconv.FormatUint(c.TxID, 10), c.Position).Scan(&l.Events, &l.Seconds)
	if err != nil {
		return l, fmt.Errorf("lag: %w", err)
	}
	return l, nil
}

// RelayPosition returns the relay's cursor and lag.
func RelayPosition(ctx context.Context, db *postgres.DB) (Position, error) {
	p := Position{Name: "relay"}
	var tx string
	var seq int64
	err := db.Pool.QueryRow(ctx, `SELECT tx_id::text, position, stream_seq, updated_at FROM relay_cursor WHERE name = 'main'`).
		Scan(&tx, &p.Cursor.Position, &seq, &p.UpdatedAt)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("relay cursor: %w", err)
	}
	if tx != "" {
		if p.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
			return p, err
		}
	}
	p.StreamSeq = uint64(seq)
	p.Lag, err = LagAfter(ctx, db.Pool, p.Cursor)
	return p, err
}

// ProjectionPositions returns the checkpoint, lag and rebuild state of each
// named projection (zero for one that never ran).
func ProjectionPositions(ctx context.Context, db *postgres.DB, names []string) ([]Position, error) {
	out := make([]Position, 0, len(names))
	for _, n := range names {
		p := Position{Name: n}
		var tx string
		var seq int64
		err := db.Pool.QueryRow(ctx, `SELECT tx_id::text, position, stream_seq, updated_at
			FROM projection_checkpoints WHERE name = $1`, n).Scan(&tx, &p.Cursor.Position, &seq, &p.UpdatedAt)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("checkpoint %s: %w", n, err)
		}
		if tx != "" {
			if p.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
				return nil, err
			}
		}
		p.StreamSeq = uint64(seq)
		if p.Lag, err = LagAfter(ctx, db.Pool, p.Cursor); err != nil {
			return nil, err
		}
		if p.Rebuild, err = rebuildState(ctx, db, n); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func rebuildState(ctx context.Context, db *postgres.DB, name string) (*RebuildState, error) {
	var s RebuildState
	var tx string
	err := db.Pool.QueryRow(ctx, `SELECT tx_id::text, position, applied, started_at, updated_at
		FROM projection_rebuilds WHERE name = $1`, name).Scan(&tx, &s.Cursor.Position, &s.Applied, &s.StartedAt, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rebuild state %s: %w", name, err)
	}
	s.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64)
	return &s, err
}
