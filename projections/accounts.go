package projections

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/postgres"
)

// Accounts maintains users, organizations and api_keys. It runs inline (in
// the appending transaction) so that a user, organization or key is usable
// the moment its creation is acknowledged.
type Accounts struct {
	table postgres.AccountWriter
}

// Name implements Inline.
func (Accounts) Name() string { return "accounts" }

// Types implements Inline.
func (Accounts) Types() []string {
	return []string{events.UserCreated,
		events.OrganizationCreated, events.OrganizationUpdated, events.OrganizationDisabled, events.OrganizationEnabled,
		events.KeyCreated, events.KeyUpdated, events.KeyRotated, events.KeyRevoked}
}

// Reset implements Inline: the keys' last use, which is batched usage
// rather than events, is set aside for Restore.
func (p Accounts) Reset(ctx context.Context, tx pgx.Tx) error {
	return p.table.ClearForRebuild(ctx, tx)
}

// Restore implements Inline.
func (p Accounts) Restore(ctx context.Context, tx pgx.Tx) error {
	return p.table.RestoreKeyUse(ctx, tx)
}

// Apply implements Inline.
func (p Accounts) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	switch e.Type {
	case events.UserCreated:
		var d accounts.UserCreated
		if err := e.Decode(&d); err != nil {
			return err
		}
		return p.table.InsertUser(ctx, tx, postgres.UserRow{ID: e.StreamID, Email: d.Email, Name: d.Name, CreatedAt: e.CreatedAt})
	case events.OrganizationCreated, events.OrganizationUpdated, events.OrganizationDisabled, events.OrganizationEnabled:
		return p.applyOrganization(ctx, tx, e)
	case events.KeyCreated, events.KeyUpdated, events.KeyRotated, events.KeyRevoked:
		return p.applyKey(ctx, tx, e)
	}
	return nil
}

func (p Accounts) applyOrganization(ctx context.Context, tx pgx.Tx, e events.Event) error {
	history, err := postgres.LoadUpTo(ctx, tx, e)
	if err != nil {
		return err
	}
	o, err := accounts.FoldOrganization(history)
	if err != nil {
		return err
	}
	return p.table.UpsertOrganization(ctx, tx, postgres.OrganizationRow{ID: o.ID, OwnerID: o.OwnerID, Name: o.Name,
		APIDisabled: o.APIDisabled, Data: o.View(), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
}

func (p Accounts) applyKey(ctx context.Context, tx pgx.Tx, e events.Event) error {
	history, err := postgres.LoadUpTo(ctx, tx, e)
	if err != nil {
		return err
	}
	k, err := accounts.FoldAPIKey(history)
	if err != nil {
		return err
	}
	var prevPrefix *string
	if k.PreviousPrefix != "" {
		prevPrefix = &k.PreviousPrefix
	}
	return p.table.UpsertKey(ctx, tx, postgres.KeyRow{ID: k.ID, Kind: k.Kind, UserID: k.UserID, OrgID: k.OrgID,
		Livemode: k.Livemode, Name: k.Name, Prefix: k.Prefix, Hash: k.Hash, PreviousPrefix: prevPrefix,
		PreviousHash: k.PreviousHash, PreviousExpiresAt: k.PreviousExpiresAt, Scopes: k.Scopes,
		IPAllowlist: k.IPAllowlist, Enabled: k.Enabled, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt,
		CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt})
}
