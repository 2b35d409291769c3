package command

import (
	"context"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/shopspring/decimal"
)

// billingRecordKind is the VeriFactu record an invoice event causes: a
// registro de alta for every invoice issued (a rectifying invoice, a
// credit note, is issued too), a registro de anulación for every invoice
// canceled; "" for any other event.
func billingRecordKind(eventType string) string {
	switch eventType {
	case invoicing.InvoiceIssued:
		return verifactu.KindAlta
	case invoicing.InvoiceVoided:
		return verifactu.KindAnulacion
	}
	return ""
}

// keepBillingRecords appends to the VeriFactu chain of their tenant the
// records that the events a command appended cause, in the command's
// transaction: whichever command issued or canceled an invoice, its
// records commit with its events or not at all. Only organizations of
// Spain keep a chain.
func keepBillingRecords(ctx context.Context, tx Tx, appended []events.Event) error {
	issuers := map[facturo.Tenant]*accounts.Organization{}
	for _, e := range appended {
		kind := billingRecordKind(e.Type)
		if kind == "" {
			continue
		}
		t := facturo.Tenant{OrgID: e.OrgID, Livemode: e.Livemode}
		org, seen := issuers[t]
		if !seen {
			var err error
			if org, err = verifactuIssuer(ctx, tx, t); err != nil {
				return err
			}
			issuers[t] = org
		}
		if org == nil {
			continue
		}
		history, err := tx.Load(ctx, stream(t, e.StreamID))
		if err != nil {
			return err
		}
		inv, err := invoicing.InvoiceKind.Fold(history[:e.StreamVersion])
		if err != nil {
			return err
		}
		if _, err := tx.AppendBillingRecord(ctx, t, billingEntry(kind, org, inv, e)); err != nil {
			return err
		}
	}
	return nil
}

// verifactuIssuer is the organization of t when it keeps a VeriFactu
// chain (a Spanish one), nil otherwise. Its records name it by its NIF,
// so a Spanish organization without one cannot issue or cancel.
func verifactuIssuer(ctx context.Context, tx Tx, t facturo.Tenant) (*accounts.Organization, error) {
	history, err := tx.Load(ctx, accountStream(t.OrgID, t.OrgID))
	if err != nil {
		return nil, err
	}
	o, err := foldOrganization(t.OrgID, history)
	if err != nil || !o.Exists() || o.Country.OrDefault() != jurisdiction.ES {
		return nil, err
	}
	if strings.TrimSpace(o.TaxID) == "" {
		return nil, facturo.Errorf(facturo.CodeInvalidState,
			"The organization has no tax_id: its VeriFactu records must name its NIF. Set tax_id with PATCH /v1/organizations/%s first.", t.OrgID)
	}
	return o, nil
}

// billingEntry is the record of kind that e, an event of inv (folded up to
// e), causes for org.
func billingEntry(kind string, org *accounts.Organization, inv *invoicing.Invoice, e events.Event) verifactu.Entry {
	entry := verifactu.Entry{
		Kind: kind, InvoiceID: inv.ID, EventID: e.ID,
		IssuerNIF:     strings.ToUpper(strings.TrimSpace(org.TaxID)),
		InvoiceNumber: inv.Number, IssueDate: inv.IssuedAt,
	}
	if kind == verifactu.KindAlta {
		entry.InvoiceType, entry.TaxTotal, entry.Total = billingAmounts(inv)
	}
	return entry
}

// billingAmounts are TipoFactura, CuotaTotal (the taxes charged) and
// ImporteTotal (base plus taxes charged: withholdings are not taken off)
// of an invoice. A credit note is a rectifying invoice by differences
// (R4, "resto"): its amounts are negative.
func billingAmounts(inv *invoicing.Invoice) (string, decimal.Decimal, decimal.Decimal) {
	t := inv.Totals
	tax, total := t.TotalTransferred, t.Total.Add(t.TotalWithheld)
	if inv.Type == invoicing.TypeEgress {
		return verifactu.TypeRectOther, tax.Neg(), total.Neg()
	}
	return verifactu.TypeComplete, tax, total
}
