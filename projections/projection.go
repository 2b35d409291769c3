// Package projections builds read models from the events: the projections
// themselves, the Runner that keeps the asynchronous ones up to date, and
// the Rebuilder that rebuilds them from position zero.
//
// A projection decides which events it handles, folds them and derives the
// rows it writes; the statements that read and write those rows are small
// store methods in internal/postgres, where all SQL lives, called in the
// projection's transaction. Documents (the documents table: clients,
// products, series, invoices, receipts, retentions) is asynchronous: the
// Runner feeds it from JetStream and stores its checkpoint in the same
// transaction as the read-model change. The checkpoint is the relay cursor
// (tx_id, position) of the last applied event: the relay publishes in
// strictly increasing cursor order, so anything at or before the checkpoint
// has been applied already and is skipped. That makes redelivery,
// republishing and a crash between commit and ack harmless.
//
// Accounts (users, organizations, api_keys) and Audit (the key audit log)
// are Inline: the event store applies them in the transaction that appends
// their events, so a key works the moment its creation is acknowledged.
//
// Rebuilder rebuilds a Tabled projection without downtime, in shadow copies
// of its tables swapped in when caught up, and an Inline one in place, in
// one transaction.
package projections

import (
	"context"
	"fmt"

	"github.com/facturo/facturo/events"
	"github.com/jackc/pgx/v5"
)

// Projection is a read model maintained from events.
type Projection interface {
	// Name identifies the projection's checkpoint; it never changes.
	Name() string
	// Apply changes the read model for one event, inside tx. It must ignore
	// event types it does not handle, and must not cause side effects outside
	// the database (a rebuild re-applies every event).
	Apply(ctx context.Context, tx pgx.Tx, e events.Event) error
	// Reset empties the read model before a rebuild from position zero.
	Reset(ctx context.Context, tx pgx.Tx) error
}

// BatchApplier is a projection that applies a batch of events faster than
// one by one. ApplyBatch must leave the read model exactly as applying
// each event of the batch in order would.
type BatchApplier interface {
	ApplyBatch(ctx context.Context, tx pgx.Tx, batch []events.Event) error
}

// ApplyAll applies batch (in relay order) inside tx: in one call if p is a
// BatchApplier, else event by event.
func ApplyAll(ctx context.Context, tx pgx.Tx, p Projection, batch []events.Event) error {
	if b, ok := p.(BatchApplier); ok {
		if err := b.ApplyBatch(ctx, tx, batch); err != nil {
			return fmt.Errorf("apply %d events: %w", len(batch), err)
		}
		return nil
	}
	for _, e := range batch {
		if err := p.Apply(ctx, tx, e); err != nil {
			return fmt.Errorf("apply %s %s: %w", e.Type, e.ID, err)
		}
	}
	return nil
}

// Tabled is a projection that names the tables it writes. Such a projection
// can be rebuilt without downtime: the rebuild fills copies of the tables in
// another schema (Apply and Reset use unqualified table names, so a
// search_path points them at the copies) and swaps them in when caught up.
type Tabled interface {
	Projection
	Tables() []string
}

// StreamFolded is a Tabled projection whose rows are each the fold of one
// whole stream (the documents). Rebuilder rebuilds it stream-major: every
// stream read once in stream id order and its row written once into the
// empty copies, then a catch-up in relay order (Rebuilder.bulk).
type StreamFolded interface {
	Tabled
	// CopyFolds writes the row of each history (one whole stream, in
	// version order, as of some snapshot) into the projection's tables,
	// which hold no row of those streams yet. Streams it does not keep
	// are skipped.
	CopyFolds(ctx context.Context, tx pgx.Tx, histories [][]events.Event) error
}
