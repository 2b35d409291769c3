package invoicing

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Periodicities of a global invoice (SAT c_Periodicidad).
const (
	PeriodDay       = "day"
	PeriodWeek      = "week"
	PeriodFortnight = "fortnight"
	PeriodMonth     = "month"
	PeriodTwoMonths = "two_months"
)

// GlobalInfo says which period of sales to the general public a global
// invoice covers. From and To are inclusive instants.
type GlobalInfo struct {
	Periodicity string    `json:"periodicity" facturo:"required;enum=day|week|fortnight|month|two_months"`
	From        time.Time `json:"from" facturo:"required"`
	To          time.Time `json:"to" facturo:"required"`
}

// Public-in-general identity of a global invoice (SAT rules for CFDI 4.0).
const (
	PublicTaxID     = "XAXX010101000"
	PublicLegalName = "PUBLICO EN GENERAL"
	PublicTaxSystem = "616"
)

// PublicClient is the client snapshot of a global invoice.
func PublicClient() ClientSnapshot {
	return ClientSnapshot{LegalName: PublicLegalName, TaxID: PublicTaxID, TaxSystem: PublicTaxSystem,
		Address: Address{Country: DefaultCountry}}
}

func (g GlobalInfo) normalize() (GlobalInfo, error) {
	switch g.Periodicity {
	case PeriodDay, PeriodWeek, PeriodFortnight, PeriodMonth, PeriodTwoMonths:
	case "":
		return g, missing("global.periodicity")
	default:
		return g, invalid("global.periodicity", "periodicity is one of day, week, fortnight, month, two_months.")
	}
	if g.From.IsZero() || g.To.IsZero() {
		return g, missing("global.from")
	}
	if g.To.Before(g.From) {
		return g, invalid("global.to", "the period ends before it starts.")
	}
	g.From, g.To = g.From.UTC(), g.To.UTC()
	return g, nil
}

// GlobalInvoiceInput builds the input of a global invoice from the open
// receipts of a period; the caller finds the receipts, creates the invoice
// with NewInvoice(in, nil, nil) and then marks each receipt with
// InvoiceGlobally. Every receipt line becomes an invoice line with the
// receipt's pre-tax unit price, quantity, discount and taxes (the receipt id
// as its sku), so the invoice's totals equal the sum of the receipts'.
// The payment form is the one of the largest amount, as the SAT asks.
func GlobalInvoiceInput(receipts []*Receipt, period GlobalInfo) (InvoiceInput, error) {
	g, err := period.normalize()
	if err != nil {
		return InvoiceInput{}, err
	}
	if len(receipts) == 0 {
		return InvoiceInput{}, invalid("receipts", "there are no open receipts in the period.")
	}
	in := InvoiceInput{Currency: receipts[0].Currency, Exchange: receipts[0].Exchange, Global: &g}
	byForm := map[string]decimal.Decimal{}
	for _, r := range receipts {
		if err := r.checkGlobal(g, receipts[0]); err != nil {
			return InvoiceInput{}, err
		}
		byForm[r.PaymentForm] = byForm[r.PaymentForm].Add(r.Totals.Total)
		in.Items = append(in.Items, receiptItems(r)...)
	}
	if len(in.Items) > MaxItems {
		return InvoiceInput{}, invalid("receipts", "the receipts have %d lines, more than the %d of one invoice; split the period.", len(in.Items), MaxItems)
	}
	in.PaymentForm = largest(byForm)
	return in, nil
}

// checkGlobal tells whether r can join first (the period's first receipt)
// in one global invoice.
func (r *Receipt) checkGlobal(g GlobalInfo, first *Receipt) error {
	currency := first.Currency
	switch {
	case !r.Exists():
		return notFound("receipt", r.ID)
	case r.Status != ReceiptOpen:
		return invalidState("receipt %s is %s; only open receipts go into a global invoice.", r.ID, r.Status)
	case r.Currency != currency:
		return invalid("receipts", "receipts in %s and %s cannot share one invoice.", currency, r.Currency)
	case !r.exchange().Equal(first.exchange()):
		return invalid("receipts", "receipts in %s at exchange rates %s and %s cannot share one invoice.", currency, fmtPrice(first.exchange()), fmtPrice(r.exchange()))
	case r.CreatedAt.Before(g.From) || r.CreatedAt.After(g.To):
		return invalid("receipts", "receipt %s is outside the period.", r.ID)
	}
	return nil
}

func receiptItems(r *Receipt) []ItemInput {
	out := make([]ItemInput, len(r.Items))
	for i, l := range r.Items {
		p := l.Product.input()
		price, incl, qty, disc := l.UnitPrice, false, l.Quantity, l.Discount
		p.Price, p.TaxIncluded, p.SKU = &price, &incl, r.ID
		out[i] = ItemInput{Product: ProductRef{Inline: &p}, Quantity: &qty, Discount: &disc}
	}
	return out
}

// largest returns the key with the largest amount; ties go to the lowest key.
func largest(m map[string]decimal.Decimal) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best := keys[0]
	for _, k := range keys[1:] {
		if m[k].GreaterThan(m[best]) {
			best = k
		}
	}
	return best
}

// Normalize validates the period of a global invoice request before the
// caller looks for its receipts.
func (g GlobalInfo) Normalize() (GlobalInfo, error) { return g.normalize() }
