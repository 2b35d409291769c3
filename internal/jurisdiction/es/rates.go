package es

import "github.com/shopspring/decimal"

// The rates of Spanish indirect taxes and withholdings, as fractions.
var (
	// IVARates are the general (21 %), reduced (10 %), super-reduced (4 %)
	// and zero rates of IVA (Ley 37/1992, art. 90 and 91).
	IVARates = rates("0.21", "0.10", "0.04", "0")
	// IRPFRates are the withholdings an invoice may carry: professionals
	// (15 %), professionals in their first years (7 %), rents of
	// premises (19 %), and the 1 % and 2 % of activities taxed by modules
	// and of farming.
	IRPFRates = rates("0.15", "0.07", "0.19", "0.01", "0.02")
	// SurchargeRates are the rates of recargo de equivalencia, each of
	// which goes with one IVA rate (Surcharge).
	SurchargeRates = rates("0.052", "0.014", "0.005")
)

// surcharges pair each IVA rate with its recargo de equivalencia (Ley
// 37/1992, art. 161): a line with recargo carries it with its IVA.
var surcharges = map[string]decimal.Decimal{
	"0.21": decimal.RequireFromString("0.052"),
	"0.1":  decimal.RequireFromString("0.014"),
	"0.04": decimal.RequireFromString("0.005"),
}

// Surcharge is the recargo de equivalencia that goes with an IVA rate;
// false for a rate that has none (0 %).
func Surcharge(ivaRate decimal.Decimal) (decimal.Decimal, bool) {
	r, ok := surcharges[ivaRate.String()]
	return r, ok
}

// IsRate reports whether r is one of rates.
func IsRate(r decimal.Decimal, rates []decimal.Decimal) bool {
	for _, x := range rates {
		if x.Equal(r) {
			return true
		}
	}
	return false
}

func rates(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = decimal.RequireFromString(s)
	}
	return out
}
