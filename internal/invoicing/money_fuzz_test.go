package invoicing

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzLineTotals feeds amounts as a caller writes them (JSON strings, the
// way the API decodes decimals) through validation, pricing and totals.
// Nothing may panic, and whatever validation accepts must add up: every
// amount in cents, the total equal to its parts, the tax breakdown equal to
// the transferred and withheld totals, each line's subtotal its rounded
// unit price times quantity.
func FuzzLineTotals(f *testing.F) {
	for _, seed := range []struct {
		price, qty, discount, rate string
		included, withholding      bool
	}{
		{"100.00", "1", "0", "0.16", false, false},
		{"116.00", "3", "10.00", "0.16", true, false},
		{"33.333333", "0.5", "0", "0.106667", false, true},
		{"0.01", "999999999", "0.01", "0", true, false},
		{"1e3", "1.000001", "0.00", "0.08", false, false},
		{"-1", "0", "-5", "2", false, false},
		{"1e-1000", "1e1000", "", "0.16", false, false},
		{"0.000001", "0.000001", "0", "0.3", true, true},
	} {
		f.Add(seed.price, seed.qty, seed.discount, seed.rate, seed.included, seed.withholding)
	}
	f.Fuzz(func(t *testing.T, price, qty, discount, rate string, included, withholding bool) {
		items, ok := fuzzItems(price, qty, discount, rate, included, withholding)
		if !ok {
			return
		}
		lines, err := resolveLines(items, nil)
		if err != nil {
			return // refused input: the API answers 400 with the param
		}
		tot := ComputeTotals(lines)
		cents := []decimal.Decimal{tot.Subtotal, tot.Discount, tot.TotalTransferred, tot.TotalWithheld, tot.Total}
		var transferred, withheld decimal.Decimal
		for _, g := range tot.Taxes {
			cents = append(cents, g.Amount, g.Base)
			if g.Withholding {
				withheld = withheld.Add(g.Amount)
			} else {
				transferred = transferred.Add(g.Amount)
			}
		}
		for _, l := range lines {
			cents = append(cents, l.Subtotal, l.Discount)
			if !l.Subtotal.Equal(roundMoney(l.UnitPrice.Mul(l.Quantity))) {
				t.Fatalf("line subtotal %s != round(%s × %s)", l.Subtotal, l.UnitPrice, l.Quantity)
			}
			if !hasMaxPlaces(l.UnitPrice, pricePlaces) {
				t.Fatalf("unit price %s has more than %d decimals", l.UnitPrice, pricePlaces)
			}
		}
		for _, c := range cents {
			if !hasMaxPlaces(c, moneyPlaces) {
				t.Fatalf("amount %s is not in cents: %+v", c, tot)
			}
		}
		want := tot.Subtotal.Sub(tot.Discount).Add(tot.TotalTransferred).Sub(tot.TotalWithheld)
		if !tot.Total.Equal(want) || !transferred.Equal(tot.TotalTransferred) || !withheld.Equal(tot.TotalWithheld) {
			t.Fatalf("totals do not add up: %+v", tot)
		}
		if tot.Discount.GreaterThan(tot.Subtotal) {
			t.Fatalf("discount %s above subtotal %s", tot.Discount, tot.Subtotal)
		}
	})
}

// fuzzItems decodes three items from the fuzzed strings, as a request body
// would carry them; ok is false when the JSON decoding itself refuses them.
func fuzzItems(price, qty, discount, rate string, included, withholding bool) ([]ItemInput, bool) {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	tax := map[string]any{"type": "IVA", "rate": opt(rate), "withholding": withholding}
	prod := map[string]any{"description": "fuzz", "price": opt(price), "tax_included": included, "taxes": []any{tax}}
	body := []any{
		map[string]any{"product": prod, "quantity": opt(qty), "discount": opt(discount)},
		map[string]any{"product": prod, "quantity": opt(qty)},
		map[string]any{"product": map[string]any{"description": "plain", "price": opt(price)}, "discount": opt(discount)},
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, false
	}
	var items []ItemInput
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	return items, true
}
