package command

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateInvoice makes a draft invoice. Its client and products are read in
// the same transaction; an unknown or foreign one is resource_missing on
// the field that names it.
func CreateInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.InvoiceInput) (*invoicing.Invoice, error) {
	if in.Global != nil {
		return nil, facturo.ParamError(facturo.CodeParameterInvalid, "global",
			"Global invoices are made from open receipts with POST /v1/receipts/global_invoice.")
	}
	return create(ctx, st, t, m, invoicing.InvoiceKind, func(tx Tx) ([]events.Draft, error) {
		r, err := rulesOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		client, products, err := invoiceRefs(ctx, tx, t, r, in)
		if err != nil {
			return nil, err
		}
		return r.NewInvoice(in, client, products)
	})
}

// invoiceRefs checks the series of an invoice input by the rules r of
// its organization's country and reads its client and products inside tx.
func invoiceRefs(ctx context.Context, tx Tx, t facturo.Tenant, r invoicing.Rules, in invoicing.InvoiceInput) (*invoicing.Client, map[string]*invoicing.Product, error) {
	if err := requireSeries(ctx, tx, t, r, in.Series); err != nil {
		return nil, nil, err
	}
	client, err := loadClient(ctx, tx, t, in.Client)
	if err != nil {
		return nil, nil, err
	}
	products, err := loadProducts(ctx, tx, t, in.Items)
	return client, products, err
}

// UpdateInvoice applies a patch to a draft invoice, reading the client and
// products it names in the same transaction.
func UpdateInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, p invoicing.InvoicePatch) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(tx Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		if p.Series != nil {
			if err := requireSeries(ctx, tx, t, invoicing.RulesFor(inv.Jurisdiction), *p.Series); err != nil {
				return nil, err
			}
		}
		client, products, err := loadPatchRefs(ctx, tx, t, p.Client, p.Items)
		if err != nil {
			return nil, err
		}
		return inv.Update(p, client, products)
	})
}

// DeleteInvoice deletes a draft invoice.
func DeleteInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, _ None) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(_ Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		return inv.Delete()
	})
}

// IssueInvoice issues a draft with the next number of its series, taken
// in the transaction that appends invoice.issued: numbers are never
// duplicated and a failure gives the number back (Tx.TakeNumber).
func IssueInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, _ None) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(tx Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		return issue(ctx, tx, t, inv, m.Now)
	})
}

// issue decides the issue of inv at now with the next number of its
// series, taken in tx.
func issue(ctx context.Context, tx Tx, t facturo.Tenant, inv *invoicing.Invoice, now time.Time) ([]events.Draft, error) {
	if inv.Status != invoicing.StatusDraft { // let the decision refuse before taking a number
		return inv.Issue(nil, 1, now)
	}
	series, number, err := takeNumber(ctx, tx, t, invoicing.RulesFor(inv.Jurisdiction), inv.Series)
	if err != nil {
		return nil, err
	}
	return inv.Issue(series, number, now)
}

// PayInvoice records a payment.
func PayInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, in invoicing.PaymentInput) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(_ Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		return inv.Pay(in, m.Now)
	})
}

// VoidInvoice cancels an issued invoice. The invoice a substitution names
// is read in the same transaction, in t only.
func VoidInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, in invoicing.CancelInput) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(tx Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		var sub *invoicing.Invoice
		if in.Substitution != "" && in.Substitution != invoiceID {
			var err error
			if sub, err = findObject(ctx, tx, t, invoicing.InvoiceKind, in.Substitution); err != nil {
				return nil, err
			}
		}
		return inv.Cancel(in, sub, m.Now)
	})
}

// SendInvoice records that an invoice is to be emailed.
func SendInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, in invoicing.SendInput) (*invoicing.Invoice, error) {
	return change(ctx, st, t, m, invoicing.InvoiceKind, invoiceID, func(_ Tx, inv *invoicing.Invoice) ([]events.Draft, error) {
		return inv.Send(in, m.Now)
	})
}

// DuplicateInvoice copies an invoice's content into a new draft and
// returns the draft.
func DuplicateInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, _ None) (*invoicing.Invoice, error) {
	if err := pathID(invoicing.InvoiceKind, invoiceID); err != nil {
		return nil, err
	}
	return create(ctx, st, t, m, invoicing.InvoiceKind, func(tx Tx) ([]events.Draft, error) {
		inv, _, err := load(ctx, tx, t, invoicing.InvoiceKind, invoiceID, "id")
		if err != nil {
			return nil, err
		}
		return inv.Duplicate()
	})
}

// CorrectInvoice issues a credit note against an invoice: the note's stream
// and the original's invoice.corrected are appended in one transaction, the
// original's at the version read, so two concurrent corrections can never
// together credit more than the invoice's total. It returns the credit
// note.
func CorrectInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, invoiceID string, in invoicing.CorrectionInput) (*invoicing.Invoice, error) {
	k := invoicing.InvoiceKind
	if err := pathID(k, invoiceID); err != nil {
		return nil, err
	}
	return run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		inv, version, err := load(ctx, tx, t, k, invoiceID, "id")
		if err != nil {
			return nil, err
		}
		if inv.Status != invoicing.StatusValid && inv.Status != invoicing.StatusPaid {
			_, err := inv.Correct(in, "", nil, 1, m.Now) // refuses before a number is taken
			return nil, err
		}
		r := invoicing.RulesFor(inv.Jurisdiction)
		if in.Series != "" {
			if err := requireSeries(ctx, tx, t, r, in.Series); err != nil {
				return nil, err
			}
		}
		series, number, err := takeNumber(ctx, tx, t, r, inv.CreditNoteSeries(in))
		if err != nil {
			return nil, err
		}
		noteID := k.New()
		c, err := inv.Correct(in, noteID, series, number, m.Now)
		if err != nil {
			return nil, err
		}
		note, err := tx.Append(ctx, stream(t, noteID), 0, c.CreditNote...)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Append(ctx, stream(t, invoiceID), version, c.Original...); err != nil {
			return nil, err
		}
		return k.Fold(note)
	})
}

// takeNumber takes the next number of a series code and folds the series
// object that owns the code, if one was created (nil for the default
// series). A code no series was created with (a draft from before series
// had to exist), or a series that has given every number up to
// invoicing.MaxFolio, is refused: the transaction rolls back and takes
// nothing.
func takeNumber(ctx context.Context, tx Tx, t facturo.Tenant, r invoicing.Rules, code string) (*invoicing.Series, int64, error) {
	c, number, err := tx.TakeNumber(ctx, t, code)
	if err != nil {
		return nil, 0, err
	}
	if number > invoicing.MaxFolio {
		return nil, 0, facturo.Errorf(facturo.CodeInvalidState,
			"Series %s has given every number up to %d; use another series.", code, invoicing.MaxFolio)
	}
	if c.SeriesID == "" {
		if !r.Documents.FreeSeries(code) {
			return nil, 0, facturo.Errorf(facturo.CodeInvalidState,
				"Series %s was never created: create it with POST /v1/series, or give the draft another series.", code)
		}
		return nil, number, nil
	}
	history, err := tx.Load(ctx, stream(t, c.SeriesID))
	if err != nil {
		return nil, 0, err
	}
	series, err := invoicing.FoldSeries(history)
	return series, number, err
}

// requireSeries refuses an input naming a series that was never created
// (resource_missing on series): only the default series (of each kind,
// for an ES organization) number without one. A code that is not shaped
// like one is left to the decision.
func requireSeries(ctx context.Context, tx Tx, t facturo.Tenant, r invoicing.Rules, raw string) error {
	code := invoicing.SeriesCode(raw)
	if r.Documents.FreeSeries(code) || !invoicing.ValidSeriesCode(code) {
		return nil
	}
	seriesID, err := tx.SeriesID(ctx, t, code)
	if err != nil || seriesID != "" {
		return err
	}
	return notFound("series", code, "series")
}

// loadClient folds t's client named clientID inside tx; nil when clientID
// is empty. A client of another tenant, a deleted one, any unknown id or
// an id of another kind is absent, and the decision answers
// resource_missing on param client.
func loadClient(ctx context.Context, tx Tx, t facturo.Tenant, clientID string) (*invoicing.Client, error) {
	if clientID == "" {
		return nil, nil
	}
	return findObject(ctx, tx, t, invoicing.ClientKind, clientID)
}

// loadPatchRefs folds the client and products a patch names: none for
// the fields it leaves alone (nil).
func loadPatchRefs(ctx context.Context, tx Tx, t facturo.Tenant, clientID *string, items *[]invoicing.ItemInput) (*invoicing.Client, map[string]*invoicing.Product, error) {
	var client *invoicing.Client
	var products map[string]*invoicing.Product
	var err error
	if clientID != nil {
		if client, err = loadClient(ctx, tx, t, *clientID); err != nil {
			return nil, nil, err
		}
	}
	if items != nil {
		products, err = loadProducts(ctx, tx, t, *items)
	}
	return client, products, err
}

// loadProducts folds t's products that items name, inside tx. Ids of other
// tenants or kinds, and deleted products, are left out, so the decision
// answers resource_missing on the item's product. The tax rates that the
// items' inline products name are resolved too (resolveTaxRates).
func loadProducts(ctx context.Context, tx Tx, t facturo.Tenant, items []invoicing.ItemInput) (map[string]*invoicing.Product, error) {
	if err := resolveTaxRates(ctx, tx, t, invoicing.InlineProducts(items)); err != nil {
		return nil, err
	}
	out := map[string]*invoicing.Product{}
	for _, pid := range invoicing.ProductIDs(items) {
		p, err := findObject(ctx, tx, t, invoicing.ProductKind, pid)
		if err != nil {
			return nil, fmt.Errorf("product %s: %w", pid, err)
		}
		if p != nil {
			out[pid] = p
		}
	}
	return out, nil
}
