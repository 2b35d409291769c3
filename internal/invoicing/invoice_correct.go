package invoicing

import (
	"fmt"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// CorrectionInput is the body of POST /v1/invoices/{id}/corrective. Items
// absent means a full correction (every line at its full quantity); given,
// each names a line of the original by index and the quantity to credit
// (default: the whole line). Series defaults to the original's.
type CorrectionInput struct {
	Reason string           `json:"reason" facturo:"required;max=500"`
	Items  []CorrectionItem `json:"items,omitempty" facturo:"min=1;max=500"`
	Series string           `json:"series,omitempty" facturo:"pattern=^\\s*[A-Za-z0-9-]{1,25}\\s*$"`
	// Kind and Method are those of the rectifying invoice of an ES
	// invoice: R1 to R5 (default R1, or R5 for a simplified invoice); I
	// by differences (the default) or S by substitution.
	Kind   string `json:"kind,omitempty" facturo:"enum=R1|R2|R3|R4|R5"`
	Method string `json:"method,omitempty" facturo:"enum=I|S"`
}

// CorrectionItem credits part of one line of the original invoice.
type CorrectionItem struct {
	Line     int              `json:"line" facturo:"min=0"`
	Quantity *decimal.Decimal `json:"quantity,omitempty" facturo:"pattern=^[0-9]{1,9}([.][0-9]{1,6})?$"`
}

// Correction is what a correction decides, on two streams: the credit
// note's new stream (invoice.created then invoice.issued) and the
// original's (invoice.corrected). The caller appends both in one
// transaction, the original's at its expected version, so two concurrent
// corrections can never together exceed the original's total.
type Correction struct {
	CreditNote []events.Draft
	Original   []events.Draft
}

// CreditNoteSeries is the series whose counter numbers the credit note
// (the rectifying invoice of an ES invoice).
func (inv *Invoice) CreditNoteSeries(in CorrectionInput) string {
	return inv.rules().Corrections.NoteSeries(inv, in)
}

// Correct decides a credit note (type "E") against a valid or paid invoice.
// The credit note is issued at once, so that its amount counts against the
// original from the start: noteID is its new stream id, series and number
// come from the locked counter of CreditNoteSeries (see Issue). The sum of
// the credit notes' totals may never exceed the original's total. An ES
// invoice rectified by substitution is voided instead, in favour of the
// rectifying invoice (see docs/spain.md).
func (inv *Invoice) Correct(in CorrectionInput, noteID string, series *Series, number int64, now time.Time) (Correction, error) {
	if err := inv.mustBe("corrected", StatusValid, StatusPaid); err != nil {
		return Correction{}, err
	}
	if inv.Type == TypeEgress {
		return Correction{}, invalidState("A credit note cannot be corrected.")
	}
	note, substitutes, err := inv.rules().Corrections.Correction(inv, in)
	if err != nil {
		return Correction{}, err
	}
	original := one(InvoiceCorrected, Corrected{CreditNote: noteID, Amount: note.Totals.Total})
	if substitutes {
		original = one(InvoiceVoided, Cancellation{Reason: CancelReplaced, Substitution: noteID, CanceledAt: now.UTC()})
	} else if err := inv.checkCorrectable(note.Totals.Total); err != nil {
		return Correction{}, err
	}
	issue, err := (&Invoice{Meta: Meta{ID: noteID, Version: 1}, InvoiceContent: note, Status: StatusDraft}).Issue(series, number, now)
	if err != nil {
		return Correction{}, err
	}
	return Correction{CreditNote: append(one(InvoiceCreated, note), issue...), Original: original}, nil
}

// CancelReplaced is the cancellation motive of an invoice replaced by
// another (SAT motive 01).
const CancelReplaced = "01"

// checkCorrectable refuses a credit note above what is left to correct.
func (inv *Invoice) checkCorrectable(amount decimal.Decimal) error {
	left := inv.Totals.Total.Sub(inv.CorrectedTotal)
	if amount.GreaterThan(left) {
		return invalid("items", "The credit note's total %s exceeds what is left to correct on the invoice: %s of %s (already corrected: %s).",
			fmtMoney(amount), fmtMoney(left), fmtMoney(inv.Totals.Total), fmtMoney(inv.CorrectedTotal))
	}
	if amount.Sign() <= 0 {
		return invalid("items", "The credit note's total must be greater than 0.")
	}
	return nil
}

// mxCorrections are the cancellations (SAT motives) and credit notes (CFDI
// type E) of Mexican invoices.
type mxCorrections struct{}

// NoteSeries implements CorrectionRules: the original's series unless
// the correction names one.
func (mxCorrections) NoteSeries(inv *Invoice, in CorrectionInput) string {
	if strings.TrimSpace(in.Series) == "" {
		return inv.Series
	}
	return SeriesCode(in.Series)
}

// Correction implements CorrectionRules: a credit note of the credited
// lines, related to the original by c_TipoRelacion 01.
func (r mxCorrections) Correction(inv *Invoice, in CorrectionInput) (InvoiceContent, bool, error) {
	if in.Kind != "" || in.Method != "" {
		return InvoiceContent{}, false, invalid("kind", "kind and method are those of a Spanish rectifying invoice; an MX credit note has neither.")
	}
	reason, err := requiredText("reason", in.Reason, 500)
	if err != nil {
		return InvoiceContent{}, false, err
	}
	lines, err := inv.creditLines(in.Items)
	if err != nil {
		return InvoiceContent{}, false, err
	}
	c := inv.InvoiceContent
	c.Type, c.Series, c.Items, c.Totals = TypeEgress, r.NoteSeries(inv, in), lines, ComputeTotals(lines)
	c.PaymentMethod, c.Use, c.Notes, c.Metadata = PaymentMethodPUE, "G02", "", map[string]string{}
	if c.PaymentForm == PaymentFormUndefined {
		c.PaymentForm = "15" // condonación: PPD invoices have no real form yet
	}
	c.DuplicateOf, c.Related = "", &Relation{Invoice: inv.ID, Relationship: "01", Reason: reason}
	c.RecurringInvoice, c.RecurringPeriod = "", nil
	return c, false, c.normalize()
}

func (inv *Invoice) creditLines(items []CorrectionItem) ([]Line, error) {
	if items == nil {
		return inv.Items, nil
	}
	if len(items) == 0 {
		return nil, missing("items")
	}
	lines := make([]Line, len(items))
	for i, it := range items {
		l, err := inv.creditLine(fmt.Sprintf("items[%d]", i), it)
		if err != nil {
			return nil, err
		}
		lines[i] = l
	}
	return lines, nil
}

// creditLine credits qty of one original line at the original's price; the
// discount is prorated and rounded half up to cents.
func (inv *Invoice) creditLine(p string, it CorrectionItem) (Line, error) {
	if it.Line < 0 || it.Line >= len(inv.Items) {
		return Line{}, invalid(p+".line", "line must be the index of a line of the invoice, 0 to %d.", len(inv.Items)-1)
	}
	orig := inv.Items[it.Line]
	qty := orig.Quantity
	if it.Quantity != nil {
		qty = *it.Quantity
	}
	if qty.Sign() <= 0 || qty.GreaterThan(orig.Quantity) || !hasMaxPlaces(qty, pricePlaces) {
		return Line{}, invalid(p+".quantity", "quantity must be greater than 0 and at most the line's %s.", fmtPrice(orig.Quantity))
	}
	disc := roundMoney(orig.Discount.Mul(qty).Div(orig.Quantity))
	return priceChecked(p, orig.Product, orig.ProductID, qty, disc)
}
