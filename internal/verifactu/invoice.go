package verifactu

import (
	"strings"

	"github.com/facturo/facturo/internal/invoicing"
	"github.com/shopspring/decimal"
)

// InvoiceEntry is the record of kind that an event (eventID) of inv,
// folded up to that event, causes for the issuer whose NIF is nif. The
// commands chain it; the invoice's PDF draws the QR code of its alta.
func InvoiceEntry(kind, nif string, inv *invoicing.Invoice, eventID string) Entry {
	e := Entry{
		Kind: kind, InvoiceID: inv.ID, EventID: eventID,
		IssuerNIF:     strings.ToUpper(strings.TrimSpace(nif)),
		InvoiceNumber: inv.Number, IssueDate: inv.IssuedAt,
	}
	if kind == KindAlta {
		e.InvoiceType, e.TaxTotal, e.Total = invoiceAmounts(inv)
	}
	return e
}

// invoiceAmounts are TipoFactura (the invoice's Spanish kind: F1, F2, R1
// to R5; F1 when it has none), CuotaTotal (the taxes charged: IVA and
// recargo) and ImporteTotal (base plus taxes charged: withholdings are
// not taken off). A rectifying invoice by differences states what it
// takes off, so its amounts are negative; one by substitution states the
// whole invoice as it should have been.
func invoiceAmounts(inv *invoicing.Invoice) (string, decimal.Decimal, decimal.Decimal) {
	t := inv.Totals
	tax, total := t.TotalTransferred, t.Total.Add(t.TotalWithheld)
	typ := inv.Kind
	if typ == "" {
		typ = TypeComplete
	}
	if inv.Type == invoicing.TypeEgress {
		return typ, tax.Neg(), total.Neg()
	}
	return typ, tax, total
}

// Cancels reports whether an invoice.voided causes a registro de
// anulación: it does unless the invoice was replaced by a rectifying
// invoice by substitution, whose own registro de alta (TipoFactura R1 to
// R5) states the replacement: AEAT keeps the original's record as it is.
func Cancels(c invoicing.Cancellation) bool {
	return !(c.Reason == invoicing.CancelReplaced && c.Substitution != "")
}
