package invoicing

import (
	"sort"

	"github.com/shopspring/decimal"
)

// This file is the one place where amounts are computed; invoices, credit
// notes, receipts and global invoices all price their lines here. The rule
// is written down in ROUNDING.md.

// Line is one priced line: a copy of the product as it was when the line was
// made (later product edits never change it), the quantity and discount, and
// the amounts computed from them.
type Line struct {
	ProductID string          `json:"product_id,omitempty"` // empty for an inline product
	Product   ProductData     `json:"product"`
	Quantity  decimal.Decimal `json:"quantity"`
	Discount  decimal.Decimal `json:"discount"`
	UnitPrice decimal.Decimal `json:"unit_price"` // before taxes, at most 6 decimals
	Subtotal  decimal.Decimal `json:"subtotal"`   // UnitPrice × Quantity, in cents
	Taxes     []LineTax       `json:"taxes"`
}

// LineTax is one tax of one line.
type LineTax struct {
	Tax
	Base   decimal.Decimal `json:"base"`
	Amount decimal.Decimal `json:"amount"`
}

// TaxTotal is one group of the invoice's tax breakdown: the lines' taxes of
// the same type, factor, rate and direction, added up.
type TaxTotal struct {
	Tax
	Base   decimal.Decimal `json:"base"`
	Amount decimal.Decimal `json:"amount"`
}

// Totals are the document's amounts; every one is in cents.
type Totals struct {
	Subtotal         decimal.Decimal `json:"subtotal"`
	Discount         decimal.Decimal `json:"discount"`
	Taxes            []TaxTotal      `json:"taxes"`
	TotalTransferred decimal.Decimal `json:"total_transferred"`
	TotalWithheld    decimal.Decimal `json:"total_withheld"`
	Total            decimal.Decimal `json:"total"`
}

var one1 = decimal.NewFromInt(1)

// PriceLine computes a line. The unit price before taxes is the product's
// price, or, when the price includes taxes, the price less the per-unit
// (Cuota) transferred taxes divided by one plus the transferred rates (Tasa),
// rounded half up to 6 decimals. Withholdings are never part of a price.
// It fails only when a tax-included price is lower than its per-unit taxes.
func PriceLine(p ProductData, qty, discount decimal.Decimal) (Line, bool) {
	l := Line{Product: p, Quantity: qty, Discount: roundMoney(discount), UnitPrice: p.Price}
	if p.TaxIncluded {
		rates, quota := includedTaxes(p.Taxes)
		net := p.Price.Sub(quota)
		if net.Sign() < 0 {
			return l, false
		}
		l.UnitPrice = net.DivRound(one1.Add(rates), pricePlaces)
	}
	l.Subtotal = roundMoney(l.UnitPrice.Mul(qty))
	base := l.Subtotal.Sub(l.Discount)
	l.Taxes = make([]LineTax, len(p.Taxes))
	for i, t := range p.Taxes {
		l.Taxes[i] = LineTax{Tax: t, Base: base, Amount: taxAmount(t, base, qty)}
	}
	return l, true
}

// includedTaxes adds up the rates and per-unit amounts a tax-included price
// contains: the transferred ones.
func includedTaxes(taxes []Tax) (rates, quota decimal.Decimal) {
	for _, t := range taxes {
		if t.Withholding {
			continue
		}
		switch t.Factor {
		case FactorRate:
			rates = rates.Add(t.Rate)
		case FactorQuota:
			quota = quota.Add(t.Rate)
		}
	}
	return rates, quota
}

// taxAmount is one tax of one line, rounded half up to cents.
func taxAmount(t Tax, base, qty decimal.Decimal) decimal.Decimal {
	switch t.Factor {
	case FactorRate:
		return roundMoney(base.Mul(t.Rate))
	case FactorQuota:
		return roundMoney(qty.Mul(t.Rate))
	default: // Exento
		return decimal.Zero
	}
}

// Base is the line's taxable base: subtotal less discount.
func (l Line) Base() decimal.Decimal { return l.Subtotal.Sub(l.Discount) }

// ComputeTotals adds up lines. Every part is already in cents, so the total
// is an exact sum of the amounts shown, and the breakdown adds up to it.
func ComputeTotals(lines []Line) Totals {
	var t Totals
	groups := map[string]*TaxTotal{}
	for _, l := range lines {
		t.Subtotal = t.Subtotal.Add(l.Subtotal)
		t.Discount = t.Discount.Add(l.Discount)
		for _, lt := range l.Taxes {
			addTax(groups, lt)
			if lt.Withholding {
				t.TotalWithheld = t.TotalWithheld.Add(lt.Amount)
			} else {
				t.TotalTransferred = t.TotalTransferred.Add(lt.Amount)
			}
		}
	}
	t.Taxes = sortedGroups(groups)
	t.Total = t.Subtotal.Sub(t.Discount).Add(t.TotalTransferred).Sub(t.TotalWithheld)
	return t
}

func groupKey(t Tax) string {
	dir := "0"
	if t.Withholding {
		dir = "1"
	}
	return dir + "/" + t.Type + "/" + t.Factor + "/" + t.Rate.String()
}

func addTax(groups map[string]*TaxTotal, lt LineTax) {
	k := groupKey(lt.Tax)
	g, ok := groups[k]
	if !ok {
		g = &TaxTotal{Tax: lt.Tax}
		groups[k] = g
	}
	g.Base = g.Base.Add(lt.Base)
	g.Amount = g.Amount.Add(lt.Amount)
}

// sortedGroups orders the breakdown transferred first, then by type, factor
// and rate, so the same lines always give the same JSON.
func sortedGroups(groups map[string]*TaxTotal) []TaxTotal {
	out := make([]TaxTotal, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Withholding != b.Withholding {
			return !a.Withholding
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Factor != b.Factor {
			return a.Factor < b.Factor
		}
		return a.Rate.LessThan(b.Rate)
	})
	return out
}
