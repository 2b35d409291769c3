package projections

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/postgres"
)

// Audit writes the key lifecycle into audit_log. It runs inline, like the
// accounts projection, so an organization's audit log shows a key change
// the moment it is acknowledged; the entry id derives from the event id, so
// a rebuild writes the same rows.
type Audit struct {
	table postgres.AuditWriter
}

// Name implements Inline.
func (Audit) Name() string { return "audit" }

// Types implements Inline.
func (Audit) Types() []string {
	return []string{events.KeyCreated, events.KeyUpdated, events.KeyRotated, events.KeyRevoked}
}

// Reset implements Inline: only the rows it wrote (authentication failures
// are not events and stay).
func (p Audit) Reset(ctx context.Context, tx pgx.Tx) error {
	return p.table.ClearForRebuild(ctx, tx)
}

// Restore implements Inline: nothing was set aside.
func (Audit) Restore(context.Context, pgx.Tx) error { return nil }

// Apply implements Inline.
func (p Audit) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	switch e.Type {
	case events.KeyCreated, events.KeyUpdated, events.KeyRotated, events.KeyRevoked:
	default:
		return nil
	}
	history, err := postgres.LoadUpTo(ctx, tx, e)
	if err != nil {
		return err
	}
	k, err := accounts.FoldAPIKey(history)
	if err != nil {
		return err
	}
	actor := e.Metadata.UserID
	if actor == "" {
		actor = e.Metadata.Source
	}
	return p.table.Insert(ctx, tx, postgres.AuditRow{
		ID: postgres.AuditIDPrefix + strings.TrimPrefix(e.ID, "evt_"), OrgID: e.OrgID, Livemode: e.Livemode,
		Action: e.Type, OccurredAt: e.CreatedAt, KeyID: k.ID, KeyPrefix: k.Prefix, Actor: actor,
		RequestID: e.Metadata.RequestID, EventID: e.ID, IP: e.Metadata.IP})
}
