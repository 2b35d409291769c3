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

// invoiceAmounts are TipoFactura, CuotaTotal (the taxes charged) and
// ImporteTotal (base plus taxes charged: withholdings are not taken off)
// of an invoice. A credit note is a rectifying invoice by differences
// (R4, "resto"): its amounts are negative.
func invoiceAmounts(inv *invoicing.Invoice) (string, decimal.Decimal, decimal.Decimal) {
	t := inv.Totals
	tax, total := t.TotalTransferred, t.Total.Add(t.TotalWithheld)
	if inv.Type == invoicing.TypeEgress {
		return TypeRectOther, tax.Neg(), total.Neg()
	}
	return TypeComplete, tax, total
}
