package command

import (
	"context"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateReceipt makes an open receipt, reading the products it names in
// the same transaction.
func CreateReceipt(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.ReceiptInput) (*invoicing.Receipt, error) {
	return create(ctx, st, t, m, invoicing.ReceiptKind, func(tx Tx) ([]events.Draft, error) {
		if err := mexicanOnly(ctx, tx, t, "Receipts"); err != nil {
			return nil, err
		}
		products, err := loadProducts(ctx, tx, t, in.Items)
		if err != nil {
			return nil, err
		}
		return invoicing.NewReceipt(in, products)
	})
}

// CancelReceipt cancels an open receipt.
func CancelReceipt(ctx context.Context, st Store, t facturo.Tenant, m Meta, receiptID string, _ None) (*invoicing.Receipt, error) {
	return change(ctx, st, t, m, invoicing.ReceiptKind, receiptID, func(_ Tx, rc *invoicing.Receipt) ([]events.Draft, error) {
		return rc.Cancel()
	})
}

// ReceiptInvoiceInput names the client a receipt is invoiced to.
type ReceiptInvoiceInput struct {
	Client string `json:"client" facturo:"required"`
}

// InvoiceReceipt makes the draft invoice of an open receipt for a client
// and marks the receipt invoiced_to_customer, in one transaction (the
// receipt's at the version read: a receipt is invoiced once). It returns
// the invoice.
func InvoiceReceipt(ctx context.Context, st Store, t facturo.Tenant, m Meta, receiptID string, in ReceiptInvoiceInput) (*invoicing.Invoice, error) {
	if err := pathID(invoicing.ReceiptKind, receiptID); err != nil {
		return nil, err
	}
	return run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		rc, version, err := load(ctx, tx, t, invoicing.ReceiptKind, receiptID, "id")
		if err != nil {
			return nil, err
		}
		invIn, err := rc.CustomerInvoiceInput(in.Client)
		if err != nil {
			return nil, err
		}
		client, err := loadClient(ctx, tx, t, in.Client)
		if err != nil {
			return nil, err
		}
		drafts, err := invoicing.NewInvoice(invIn, client, nil)
		if err != nil {
			return nil, err
		}
		created, err := tx.Append(ctx, stream(t, invoicing.InvoiceKind.New()), 0, drafts...)
		if err != nil {
			return nil, err
		}
		marked, err := rc.InvoiceToCustomer(created[0].StreamID)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Append(ctx, stream(t, receiptID), version, marked...); err != nil {
			return nil, err
		}
		return invoicing.InvoiceKind.Fold(created)
	})
}

// MaxGlobalReceipts bounds the receipts of one global invoice (each has at
// least one line, and an invoice at most invoicing.MaxItems).
const MaxGlobalReceipts = invoicing.MaxItems

// OpenReceipts finds candidate receipts for a global invoice in a read
// model that may lag behind the event store: the ids of t's open receipts
// created in [from, to], at most limit of them, and whether there are more.
type OpenReceipts func(ctx context.Context, t facturo.Tenant, from, to time.Time, limit int) (ids []string, more bool, err error)

// GlobalInvoice bundles the open receipts created in a period into one
// draft invoice to the general public and marks each invoiced_globally, in
// one transaction. The candidates come from find; each is then folded from
// its events in the transaction, left out if it is no longer open, and
// appended to at the version read, so a receipt invoiced or canceled by a
// concurrent request fails this one (version_conflict) instead of being
// invoiced twice. It returns the invoice.
func GlobalInvoice(ctx context.Context, st Store, find OpenReceipts, t facturo.Tenant, m Meta, period invoicing.GlobalInfo) (*invoicing.Invoice, error) {
	period, err := period.Normalize()
	if err != nil {
		return nil, err
	}
	ids, more, err := find(ctx, t, period.From, period.To, MaxGlobalReceipts)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, facturo.ParamError(facturo.CodeParameterInvalid, "global.to",
			"The period has more than %d open receipts; split it.", MaxGlobalReceipts)
	}
	return run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		if err := mexicanOnly(ctx, tx, t, "Global invoices"); err != nil {
			return nil, err
		}
		created, err := appendGlobalInvoice(ctx, tx, t, ids, period)
		if err != nil {
			return nil, err
		}
		return invoicing.InvoiceKind.Fold(created)
	})
}

func appendGlobalInvoice(ctx context.Context, tx Tx, t facturo.Tenant, ids []string, period invoicing.GlobalInfo) ([]events.Event, error) {
	var receipts []*invoicing.Receipt
	var versions []int
	for _, rid := range ids {
		rc, version, err := load(ctx, tx, t, invoicing.ReceiptKind, rid, "receipts")
		if err != nil {
			return nil, err
		}
		if rc.Status != invoicing.ReceiptOpen { // the list lagged behind an invoice or a cancel
			continue
		}
		receipts, versions = append(receipts, rc), append(versions, version)
	}
	in, err := invoicing.GlobalInvoiceInput(receipts, period)
	if err != nil {
		return nil, err
	}
	drafts, err := invoicing.NewInvoice(in, nil, nil)
	if err != nil {
		return nil, err
	}
	created, err := tx.Append(ctx, stream(t, invoicing.InvoiceKind.New()), 0, drafts...)
	if err != nil {
		return nil, err
	}
	for i, rc := range receipts {
		marked, err := rc.InvoiceGlobally(created[0].StreamID)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Append(ctx, stream(t, rc.ID), versions[i], marked...); err != nil {
			return nil, err
		}
	}
	return created, nil
}
