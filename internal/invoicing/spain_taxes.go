package invoicing

import (
	"fmt"
	"strings"

	"github.com/facturo/facturo/internal/jurisdiction/es"
	"github.com/shopspring/decimal"
)

// Spanish taxes, besides IVA.
const (
	TaxRE   = "RE"   // recargo de equivalencia: paid with IVA by retailers under the regime
	TaxIRPF = "IRPF" // the income-tax withholding of professionals and rents
)

// esTaxes is the Spanish tax catalogue: IVA at 21, 10, 4 or 0 % (or
// exempt), recargo de equivalencia paired with its IVA rate, and IRPF
// withheld.
type esTaxes struct{}

// DefaultTaxes implements TaxRules: IVA at the general 21 %.
func (esTaxes) DefaultTaxes() []Tax {
	return []Tax{{Type: TaxIVA, Rate: decimal.RequireFromString("0.21"), Factor: FactorRate}}
}

// NormalizeTax implements TaxRules.
func (esTaxes) NormalizeTax(p string, t TaxInput) (Tax, error) {
	n := Tax{Type: strings.ToUpper(strings.TrimSpace(t.Type)), Withholding: t.Withholding, Factor: orDefault(t.Factor, FactorRate)}
	switch n.Type {
	case "":
		return n, missing(p + ".type")
	case TaxIRPF:
		n.Withholding = true
	case TaxIVA, TaxRE:
		if n.Withholding {
			return n, invalid(p+".withholding", "%s is charged, never withheld; the withholding of a Spanish invoice is IRPF.", n.Type)
		}
	default:
		return n, invalid(p+".type", "'%s' is not a Spanish tax; use IVA, RE (recargo de equivalencia) or IRPF.", t.Type)
	}
	if n.Factor == FactorQuota {
		return n, invalid(p+".factor", "Spanish taxes are rates (Tasa), or exempt IVA (Exento).")
	}
	if n.Factor == FactorExempt && n.Type != TaxIVA {
		return n, invalid(p+".factor", "only IVA can be exempt.")
	}
	if err := n.validateRate(p, t.Rate); err != nil || n.Factor == FactorExempt {
		return n, err
	}
	return n, checkSpanishRate(p, n)
}

func checkSpanishRate(p string, n Tax) error {
	switch n.Type {
	case TaxIVA:
		if !es.IsRate(n.Rate, es.IVARates) {
			return invalid(p+".rate", "IVA is charged at 0.21, 0.10, 0.04 or 0; %s is not a Spanish IVA rate.", fmtRate(n.Rate))
		}
	case TaxRE:
		if !es.IsRate(n.Rate, es.SurchargeRates) {
			return invalid(p+".rate", "recargo de equivalencia is 0.052, 0.014 or 0.005 (with IVA at 0.21, 0.10 or 0.04).")
		}
	case TaxIRPF:
		if !es.IsRate(n.Rate, es.IRPFRates) {
			return invalid(p+".rate", "IRPF is withheld at 0.15, 0.07, 0.19, 0.01 or 0.02; %s is not one of its rates.", fmtRate(n.Rate))
		}
	}
	return nil
}

// CheckCombination implements TaxRules: recargo de equivalencia goes with
// the IVA rate it belongs to, on the same product.
func (esTaxes) CheckCombination(param string, taxes []Tax) error {
	var ivaRate *decimal.Decimal
	for _, t := range taxes {
		if t.Type == TaxIVA && t.Factor == FactorRate {
			ivaRate = &t.Rate
		}
	}
	for i, t := range taxes {
		if t.Type != TaxRE {
			continue
		}
		if ivaRate == nil {
			return invalid(param, "recargo de equivalencia (RE) goes with the IVA it belongs to; add IVA to the product.")
		}
		if want, ok := es.Surcharge(*ivaRate); !ok || !want.Equal(t.Rate) {
			return invalid(fmt.Sprintf("%s[%d].rate", param, i), "with IVA at %s the recargo de equivalencia is %s, not %s.",
				fmtRate(*ivaRate), surchargeText(ivaRate), fmtRate(t.Rate))
		}
	}
	return nil
}

func surchargeText(iva *decimal.Decimal) string {
	if r, ok := es.Surcharge(*iva); ok {
		return fmtRate(r)
	}
	return "none"
}

// Totals implements TaxRules: the lines are priced as everywhere, then each
// tax is computed once per rate, on the sum of the bases at that rate,
// rounded half up, the way a Spanish invoice states "base imponible" and
// "cuota" per rate (ROUNDING.md). The lines' own amounts are informative.
func (esTaxes) Totals(lines []Line) Totals {
	t := ComputeTotals(lines)
	t.TotalTransferred, t.TotalWithheld = decimal.Zero, decimal.Zero
	for i, g := range t.Taxes {
		if g.Factor == FactorRate {
			g.Amount = roundMoney(g.Base.Mul(g.Rate))
		}
		t.Taxes[i] = g
		if g.Withholding {
			t.TotalWithheld = t.TotalWithheld.Add(g.Amount)
		} else {
			t.TotalTransferred = t.TotalTransferred.Add(g.Amount)
		}
	}
	t.Total = t.Subtotal.Sub(t.Discount).Add(t.TotalTransferred).Sub(t.TotalWithheld)
	return t
}
