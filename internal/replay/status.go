package replay

import (
	"context"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/projections"
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
type RebuildState = postgres.RebuildState

// LagAfter measures the events stored after c.
func LagAfter(ctx context.Context, q postgres.Querier, c events.Cursor) (Lag, error) {
	n, secs, err := postgres.EventLag(ctx, q, c)
	return Lag{Events: n, Seconds: secs}, err
}

// RelayPosition returns the relay's cursor and lag.
func RelayPosition(ctx context.Context, db *postgres.DB) (Position, error) {
	p := Position{Name: "relay"}
	rc, _, err := postgres.ReadRelayCursor(ctx, db.Pool)
	if err != nil {
		return p, err
	}
	p.Cursor, p.StreamSeq, p.UpdatedAt = rc.Cursor, rc.StreamSeq, rc.UpdatedAt
	p.Lag, err = LagAfter(ctx, db.Pool, p.Cursor)
	return p, err
}

// ProjectionPositions returns the checkpoint, lag and rebuild state of each
// named projection (zero for one that never ran).
func ProjectionPositions(ctx context.Context, db *postgres.DB, names []string) ([]Position, error) {
	cps, err := projections.ListCheckpoints(ctx, db)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]projections.Checkpoint, len(cps))
	for _, cp := range cps {
		byName[cp.Name] = cp
	}
	out := make([]Position, 0, len(names))
	for _, n := range names {
		cp := byName[n]
		p := Position{Name: n, Cursor: cp.Cursor, StreamSeq: cp.StreamSeq, UpdatedAt: cp.UpdatedAt}
		if p.Lag, err = LagAfter(ctx, db.Pool, p.Cursor); err != nil {
			return nil, err
		}
		if p.Rebuild, err = postgres.ReadRebuild(ctx, db.Pool, n); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
