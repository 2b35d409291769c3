package command

import (
	"context"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateProforma makes a draft pro-forma invoice, reading its client and
// products in the same transaction.
func CreateProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.ProformaInput) (*invoicing.Proforma, error) {
	return create(ctx, st, t, m, invoicing.ProformaKind, func(tx Tx) ([]events.Draft, error) {
		client, products, err := offerRefs(ctx, tx, t, "Pro-forma invoices", in.Client, in.Items)
		if err != nil {
			return nil, err
		}
		return invoicing.NewProforma(in, client, products)
	})
}

// UpdateProforma applies a patch to a draft proforma.
func UpdateProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, p invoicing.ProformaPatch) (*invoicing.Proforma, error) {
	return change(ctx, st, t, m, invoicing.ProformaKind, proformaID, func(tx Tx, pf *invoicing.Proforma) ([]events.Draft, error) {
		client, products, err := loadPatchRefs(ctx, tx, t, p.Client, p.Items)
		if err != nil {
			return nil, err
		}
		return pf.Update(p, client, products)
	})
}

// DeleteProforma deletes a draft proforma.
func DeleteProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, _ None) (*invoicing.Proforma, error) {
	return change(ctx, st, t, m, invoicing.ProformaKind, proformaID, func(_ Tx, pf *invoicing.Proforma) ([]events.Draft, error) {
		return pf.Delete()
	})
}

// IssueProforma issues a draft with the next number of the proforma
// counter of t (gapless, its own: never an invoice's number).
func IssueProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, _ None) (*invoicing.Proforma, error) {
	return change(ctx, st, t, m, invoicing.ProformaKind, proformaID, func(tx Tx, pf *invoicing.Proforma) ([]events.Draft, error) {
		if pf.Status != invoicing.ProformaDraft { // let the decision refuse before taking a number
			return pf.Issue(1, m.Now)
		}
		_, number, err := tx.TakeNumber(ctx, t, invoicing.ProformaCounter)
		if err != nil {
			return nil, err
		}
		return pf.Issue(number, m.Now)
	})
}

// CancelProforma cancels an issued proforma.
func CancelProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, _ None) (*invoicing.Proforma, error) {
	return change(ctx, st, t, m, invoicing.ProformaKind, proformaID, func(_ Tx, pf *invoicing.Proforma) ([]events.Draft, error) {
		return pf.Cancel(m.Now)
	})
}

// ConvertProforma makes the invoice of an issued proforma (a draft, or
// issued when in.Issue) and marks the proforma converted, in one
// transaction, at the version read: a proforma converts once. It returns
// the invoice.
func ConvertProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, in invoicing.ConvertInput) (*invoicing.Invoice, error) {
	return convert(ctx, st, t, m, invoicing.ProformaKind, proformaID, in)
}
