package invoicing

import (
	"regexp"
	"time"

	"github.com/facturo/facturo/internal/jurisdiction/es"
	"github.com/shopspring/decimal"
)

// EUR is the currency of Spanish tax amounts.
const EUR = "EUR"

// Rectification is what a Spanish rectifying invoice (kind R1 to R5)
// states about the invoice it rectifies.
type Rectification struct {
	Method   string    `json:"method" facturo:"enum=I|S"` // I by differences, S by substitution
	Invoice  string    `json:"invoice"`                   // the rectified invoice's id
	Number   string    `json:"number"`                    // its number, e.g. "A-7"
	IssuedAt time.Time `json:"issued_at"`
	// Base and Tax are the rectified invoice's taxable base and its
	// charged taxes (IVA and recargo), as a substitution restates them.
	Base decimal.Decimal `json:"base"`
	Tax  decimal.Decimal `json:"tax"`
}

// RectificationView is the public JSON of a Rectification.
type RectificationView struct {
	Method   string    `json:"method" facturo:"enum=I|S"`
	Invoice  string    `json:"invoice"`
	Number   string    `json:"number"`
	IssuedAt time.Time `json:"issued_at"`
	Base     string    `json:"base"`
	Tax      string    `json:"tax"`
}

func (r *Rectification) view() *RectificationView {
	if r == nil {
		return nil
	}
	return &RectificationView{Method: r.Method, Invoice: r.Invoice, Number: r.Number, IssuedAt: r.IssuedAt.UTC(),
		Base: fmtMoney(r.Base), Tax: fmtMoney(r.Tax)}
}

// esDocuments are the invoices of Spanish law (RD 1619/2012).
type esDocuments struct{}

// facturaePaymentMeans are the payment means codes of Facturae (01 cash,
// 02 direct debit, 04 transfer, ... 19 card), what payment_form holds for
// an ES invoice.
var facturaePaymentMeans = regexp.MustCompile(`^(0[1-9]|1[0-9])$`)

// Currency implements DocumentRules.
func (esDocuments) Currency() string { return EUR }

// FreeSeries implements DocumentRules: each kind's default series.
func (esDocuments) FreeSeries(code string) bool {
	return code == es.Complete.DefaultSeries() || code == es.Simplified.DefaultSeries() || code == es.R1.DefaultSeries()
}

// Terms implements DocumentRules.
func (d esDocuments) Terms(c *InvoiceContent) error {
	kind := es.Kind(orDefault(c.Kind, string(es.Complete)))
	if kind.Rectifying() != (c.Rectification != nil) || !kind.Rectifying() && kind != es.Complete && kind != es.Simplified {
		return invalid("kind", "kind is F1 (complete) or F2 (simplified); rectifying invoices are made with POST /v1/invoices/{id}/corrective.")
	}
	c.Kind = string(kind)
	if c.Series == "" {
		c.Series = kind.DefaultSeries()
	}
	c.Series = SeriesCode(c.Series)
	return firstErr(
		validateSeriesCode("series", c.Series),
		checkSeriesOfKind(kind, c.Series),
		validateCurrency("currency", c.Currency),
		c.validateExchange(EUR),
		checkNotMexican(c),
		c.checkSpanishParties(kind),
	)
}

// checkSeriesOfKind keeps each kind's numbering apart: the default series
// of complete, simplified and rectifying invoices is used by its kind only.
func checkSeriesOfKind(kind es.Kind, series string) error {
	for _, other := range []es.Kind{es.Complete, es.Simplified, es.R1} {
		if s := other.DefaultSeries(); s == series && s != kind.DefaultSeries() {
			return invalid("series", "series %s numbers the invoices of kind %s; a %s invoice is numbered in its own series (%s by default).",
				series, other, kind, kind.DefaultSeries())
		}
	}
	return nil
}

// checkNotMexican refuses the CFDI terms, which Spanish invoices do not
// have, and checks the payment means.
func checkNotMexican(c *InvoiceContent) error {
	if c.Global != nil {
		return invalid("global", "global invoices are Mexican; an ES organization issues simplified invoices (kind F2).")
	}
	if c.PaymentMethod != "" {
		return invalid("payment_method", "payment_method (PUE or PPD) is a field of Mexican invoices; leave it out.")
	}
	if c.Use != "" {
		return invalid("use", "use (the CFDI use) is a field of Mexican invoices; leave it out.")
	}
	if c.PaymentForm != "" {
		return matches(facturaePaymentMeans, "payment_form", c.PaymentForm, "a Facturae payment means code, 01 to 19 (04: transfer)")
	}
	return nil
}

// checkSpanishParties requires the client's identification of a complete
// invoice, and keeps a simplified one within its limit.
func (c *InvoiceContent) checkSpanishParties(kind es.Kind) error {
	if kind == es.Simplified || kind == es.R5 {
		total := c.Totals.Total.Mul(c.Exchange)
		if kind == es.Simplified && total.GreaterThan(es.SimplifiedLimit) {
			return invalid("kind", "a simplified invoice (F2) totals at most %s EUR; this one totals %s EUR: issue a complete invoice (F1).",
				fmtMoney(es.SimplifiedLimit), fmtMoney(roundMoney(total)))
		}
		return nil
	}
	if c.Client.TaxID == "" {
		return missingBecause("client", "A complete invoice (F1) names its client, with the client's NIF or EU VAT number; a ticket without one is a simplified invoice (kind F2).")
	}
	return nil
}
