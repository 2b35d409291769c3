package invoicing

import (
	"fmt"
	"strings"

	"github.com/facturo/facturo/internal/jurisdiction/es"
	"github.com/shopspring/decimal"
)

// esCorrections are the cancellations and rectifying invoices of Spanish
// invoices (art. 15 RD 1619/2012).
type esCorrections struct{}

// CheckCancel implements CorrectionRules: an ES invoice is voided only when
// it was issued in error and not replaced (02) or its operation did not
// take place (03); one that is replaced is rectified by substitution.
func (esCorrections) CheckCancel(_ *Invoice, in CancelInput, _ *Invoice) error {
	switch in.Reason {
	case "":
		return missing("reason")
	case "02", "03":
		if in.Substitution != "" {
			return invalid("substitution", "An ES invoice is replaced by a rectifying invoice by substitution (POST /v1/invoices/{id}/corrective with method S), not by voiding it.")
		}
		return nil
	case "01":
		return invalid("reason", "An ES invoice is replaced by a rectifying invoice by substitution (POST /v1/invoices/{id}/corrective with method S); void it with 02 (issued in error) or 03 (the operation did not take place).")
	}
	return invalid("reason", "An ES invoice is voided with reason 02 (issued in error) or 03 (the operation did not take place).")
}

// NoteSeries implements CorrectionRules: rectifying invoices are numbered
// in a series of their own, R unless the correction names another.
func (esCorrections) NoteSeries(_ *Invoice, in CorrectionInput) string {
	if strings.TrimSpace(in.Series) == "" {
		return es.R1.DefaultSeries()
	}
	return SeriesCode(in.Series)
}

// Correction implements CorrectionRules: a rectifying invoice of kind R1
// to R5. By differences (I) it states what is credited, like a credit
// note; by substitution (S) it restates the whole invoice as it should
// have been (the original's lines less the credited quantities), and the
// original is voided in its favour.
func (r esCorrections) Correction(inv *Invoice, in CorrectionInput) (InvoiceContent, bool, error) {
	reason, err := requiredText("reason", in.Reason, 500)
	if err != nil {
		return InvoiceContent{}, false, err
	}
	kind, err := rectifyingKind(inv, in.Kind)
	if err != nil {
		return InvoiceContent{}, false, err
	}
	method := orDefault(in.Method, es.ByDifferences)
	var lines []Line
	if method == es.BySubstitution {
		lines, err = inv.substitutedLines(in.Items)
	} else {
		lines, err = inv.creditLines(in.Items)
	}
	if err != nil {
		return InvoiceContent{}, false, err
	}
	c := inv.InvoiceContent
	c.Type, c.Kind, c.Series = TypeEgress, string(kind), r.NoteSeries(inv, in)
	if method == es.BySubstitution {
		c.Type = TypeIncome
	}
	c.Items, c.Totals = lines, esTaxes{}.Totals(lines)
	c.Notes, c.Metadata, c.DuplicateOf = "", map[string]string{}, ""
	c.Related = &Relation{Invoice: inv.ID, Relationship: string(kind), Reason: reason}
	c.Rectification = &Rectification{Method: method, Invoice: inv.ID, Number: inv.Number, IssuedAt: inv.IssuedAt,
		Base: inv.Totals.Subtotal.Sub(inv.Totals.Discount), Tax: inv.Totals.TotalTransferred}
	return c, method == es.BySubstitution, c.normalize()
}

// rectifyingKind is the kind a correction asks for, by default R5 for a
// simplified invoice and R1 for the others.
func rectifyingKind(inv *Invoice, asked string) (es.Kind, error) {
	orig := es.Kind(inv.Kind)
	kind := es.Kind(asked)
	if kind == "" {
		kind = es.R1
		if orig == es.Simplified {
			kind = es.R5
		}
	}
	if !kind.Rectifies(orig) {
		return kind, invalid("kind", "an invoice of kind %s is rectified with R1 to R4, a simplified one (F2) with R5; %s does not rectify %s.", orig, kind, orig)
	}
	return kind, nil
}

// substitutedLines are the original's lines less the quantities the items
// credit: the invoice as it should have been. A substitution replaces a
// valid invoice nothing was paid or credited on, and keeps a line at least.
func (inv *Invoice) substitutedLines(items []CorrectionItem) ([]Line, error) {
	if inv.Status != StatusValid || len(inv.Payments) > 0 || len(inv.CreditNotes) > 0 {
		return nil, invalidState("Only a valid invoice with no payment and no rectification is rectified by substitution; rectify it by differences (method I).")
	}
	whole := invalid("items", "A substitution that credits every line leaves no invoice: void the invoice, or rectify it by differences (method I).")
	if items == nil { // no items credits the whole invoice
		return nil, whole
	}
	credited := map[int]decimal.Decimal{}
	for i, it := range items {
		l, err := inv.creditLine(fmt.Sprintf("items[%d]", i), it)
		if err != nil {
			return nil, err
		}
		credited[it.Line] = credited[it.Line].Add(l.Quantity)
	}
	var out []Line
	for i, orig := range inv.Items {
		left := orig.Quantity.Sub(credited[i])
		if left.Sign() < 0 {
			return nil, invalid("items", "line %d is credited more than its quantity %s.", i, fmtPrice(orig.Quantity))
		}
		if left.Sign() == 0 {
			continue
		}
		disc := roundMoney(orig.Discount.Mul(left).Div(orig.Quantity))
		l, err := priceChecked(fmt.Sprintf("items[%d]", i), orig.Product, orig.ProductID, left, disc)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, whole
	}
	return out, nil
}
