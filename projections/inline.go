package projections

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/internal/postgres"
)

// Inline is a read model written in the same transaction as the events that
// change it (the event store applies it, as a postgres.InlineProjection, to
// every event it appends). Apply must ignore event types it does not handle.
//
// It can be rebuilt in place, in one transaction (Rebuilder.RebuildInline):
// Reset locks its tables against writers and empties them with DELETE
// (readers keep seeing the old rows until the rebuild commits), setting
// aside what events do not carry; every event of Types is applied again in
// relay order; Restore puts back what Reset set aside.
type Inline interface {
	postgres.InlineProjection
	Types() []string
	Reset(ctx context.Context, tx pgx.Tx) error
	Restore(ctx context.Context, tx pgx.Tx) error
}

// ForEventStore returns ps as the event store takes them.
func ForEventStore(ps []Inline) []postgres.InlineProjection {
	out := make([]postgres.InlineProjection, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}
