package command

import (
	"context"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateRetention makes a draft retention certificate, reading its client
// in the same transaction.
func CreateRetention(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.RetentionInput) (*invoicing.Retention, error) {
	return create(ctx, st, t, m, invoicing.RetentionKind, func(tx Tx) ([]events.Draft, error) {
		if err := mexicanOnly(ctx, tx, t, "Retention certificates"); err != nil {
			return nil, err
		}
		client, err := loadClient(ctx, tx, t, in.Client)
		if err != nil {
			return nil, err
		}
		return invoicing.NewRetention(in, client)
	})
}

// IssueRetention issues a draft retention.
func IssueRetention(ctx context.Context, st Store, t facturo.Tenant, m Meta, retentionID string, _ None) (*invoicing.Retention, error) {
	return change(ctx, st, t, m, invoicing.RetentionKind, retentionID, func(_ Tx, rt *invoicing.Retention) ([]events.Draft, error) {
		return rt.Issue(m.Now)
	})
}

// CancelRetention cancels a retention.
func CancelRetention(ctx context.Context, st Store, t facturo.Tenant, m Meta, retentionID string, _ None) (*invoicing.Retention, error) {
	return change(ctx, st, t, m, invoicing.RetentionKind, retentionID, func(_ Tx, rt *invoicing.Retention) ([]events.Draft, error) {
		return rt.Cancel(m.Now)
	})
}
