package invoicing

import "github.com/shopspring/decimal"

// Scales of the two kinds of numbers Facturo shows; see ROUNDING.md.
const (
	moneyPlaces = 2 // amounts: subtotals, discounts, taxes, totals
	pricePlaces = 6 // unit prices and quantities
)

// hasMaxPlaces reports whether d has no non-zero digit past the given
// decimal place ("1.50" has 1, "1.500000001" has 9).
func hasMaxPlaces(d decimal.Decimal, places int32) bool {
	return d.Equal(d.Truncate(places))
}

// roundMoney rounds half away from zero ("half up" for the positive amounts
// of an invoice) to cents, the rule the SAT's Anexo 20 prescribes.
func roundMoney(d decimal.Decimal) decimal.Decimal { return d.Round(moneyPlaces) }

// fmtMoney shows an amount with exactly two decimals.
func fmtMoney(d decimal.Decimal) string { return d.StringFixed(moneyPlaces) }

// fmtPrice shows a unit price or quantity with at least two and at most six
// decimals, without trailing zeros past the second: "100.00", "33.333333".
func fmtPrice(d decimal.Decimal) string {
	if hasMaxPlaces(d, moneyPlaces) {
		return d.StringFixed(moneyPlaces)
	}
	return d.Round(pricePlaces).String()
}

// fmtRate shows a tax rate without trailing zeros: "0.16", "0.106667", "0".
func fmtRate(d decimal.Decimal) string { return d.String() }
