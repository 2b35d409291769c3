package invoicing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func iva(rate string) Tax {
	return Tax{Type: TaxIVA, Rate: decimal.RequireFromString(rate), Factor: FactorRate}
}

func withheld(typ, rate string) Tax {
	return Tax{Type: typ, Rate: decimal.RequireFromString(rate), Factor: FactorRate, Withholding: true}
}

func ieps(rate, factor string) Tax {
	return Tax{Type: TaxIEPS, Rate: decimal.RequireFromString(rate), Factor: factor}
}

type lineCase struct {
	price    string
	included bool
	qty      string
	discount string
	taxes    []Tax
}

func (c lineCase) line(t *testing.T) Line {
	t.Helper()
	p := ProductData{Description: "x", Price: decimal.RequireFromString(c.price), TaxIncluded: c.included, Taxes: c.taxes}
	disc := decimal.Zero
	if c.discount != "" {
		disc = decimal.RequireFromString(c.discount)
	}
	l, ok := PriceLine(p, decimal.RequireFromString(c.qty), disc)
	if !ok {
		t.Fatalf("PriceLine(%+v) refused", c)
	}
	return l
}

// groups renders the breakdown compactly: "IVA Tasa 0.16 +100.00:16.00".
func groups(tv TotalsView) string {
	var parts []string
	for _, g := range tv.Taxes {
		sign := "+"
		if g.Withholding {
			sign = "-"
		}
		parts = append(parts, fmt.Sprintf("%s %s %s %s%s:%s", g.Type, g.Factor, g.Rate, sign, g.Base, g.Amount))
	}
	return strings.Join(parts, ", ")
}

func TestTotals(t *testing.T) {
	tests := []struct {
		name   string
		lines  []lineCase
		unit   string // unit price of the first line, before taxes
		want   string // subtotal discount transferred withheld total
		groups string
	}{
		{"2 × 100 + IVA 16", []lineCase{{"100.00", false, "2", "", []Tax{iva("0.16")}}},
			"100.00", "200.00 0.00 32.00 0.00 232.00", "IVA Tasa 0.16 +200.00:32.00"},
		{"and ISR 10 withheld", []lineCase{{"100.00", false, "2", "", []Tax{iva("0.16"), withheld(TaxISR, "0.10")}}},
			"100.00", "200.00 0.00 32.00 20.00 212.00", "IVA Tasa 0.16 +200.00:32.00, ISR Tasa 0.1 -200.00:20.00"},
		{"116 with IVA included", []lineCase{{"116.00", true, "1", "", []Tax{iva("0.16")}}},
			"100.00", "100.00 0.00 16.00 0.00 116.00", "IVA Tasa 0.16 +100.00:16.00"},
		{"100 with IVA included", []lineCase{{"100", true, "1", "", []Tax{iva("0.16")}}},
			"86.206897", "86.21 0.00 13.79 0.00 100.00", "IVA Tasa 0.16 +86.21:13.79"},
		{"3 × 100 with IVA included", []lineCase{{"100", true, "3", "", []Tax{iva("0.16")}}},
			"86.206897", "258.62 0.00 41.38 0.00 300.00", "IVA Tasa 0.16 +258.62:41.38"},
		{"discount", []lineCase{{"100.00", false, "2", "50", []Tax{iva("0.16")}}},
			"100.00", "200.00 50.00 24.00 0.00 174.00", "IVA Tasa 0.16 +150.00:24.00"},
		{"discount of the whole line", []lineCase{{"10", false, "1", "10", []Tax{iva("0.16")}}},
			"10.00", "10.00 10.00 0.00 0.00 0.00", "IVA Tasa 0.16 +0.00:0.00"},
		{"3 × 33.333333", []lineCase{{"33.333333", false, "3", "", []Tax{iva("0.16")}}},
			"33.333333", "100.00 0.00 16.00 0.00 116.00", "IVA Tasa 0.16 +100.00:16.00"},
		{"half a cent rounds up", []lineCase{{"0.125", false, "1", "", []Tax{iva("0.16")}}},
			"0.125", "0.13 0.00 0.02 0.00 0.15", "IVA Tasa 0.16 +0.13:0.02"},
		{"per-line tax rounding adds up", []lineCase{
			{"0.03", false, "1", "", []Tax{iva("0.16")}},
			{"0.03", false, "1", "", []Tax{iva("0.16")}},
			{"0.03", false, "1", "", []Tax{iva("0.16")}}},
			"0.03", "0.09 0.00 0.00 0.00 0.09", "IVA Tasa 0.16 +0.09:0.00"},
		{"IEPS 8 + IVA 16", []lineCase{{"100", false, "1", "", []Tax{ieps("0.08", FactorRate), iva("0.16")}}},
			"100.00", "100.00 0.00 24.00 0.00 124.00", "IEPS Tasa 0.08 +100.00:8.00, IVA Tasa 0.16 +100.00:16.00"},
		{"IEPS + IVA included", []lineCase{{"124", true, "1", "", []Tax{ieps("0.08", FactorRate), iva("0.16")}}},
			"100.00", "100.00 0.00 24.00 0.00 124.00", "IEPS Tasa 0.08 +100.00:8.00, IVA Tasa 0.16 +100.00:16.00"},
		{"IEPS per unit", []lineCase{{"20", false, "10", "", []Tax{ieps("0.5", FactorQuota), iva("0.16")}}},
			"20.00", "200.00 0.00 37.00 0.00 237.00", "IEPS Cuota 0.5 +200.00:5.00, IVA Tasa 0.16 +200.00:32.00"},
		{"IEPS per unit included", []lineCase{{"20.5", true, "10", "", []Tax{ieps("0.5", FactorQuota)}}},
			"20.00", "200.00 0.00 5.00 0.00 205.00", "IEPS Cuota 0.5 +200.00:5.00"},
		{"zero rate", []lineCase{{"100", false, "1", "", []Tax{iva("0")}}},
			"100.00", "100.00 0.00 0.00 0.00 100.00", "IVA Tasa 0 +100.00:0.00"},
		{"exempt", []lineCase{{"100", true, "1", "", []Tax{{Type: TaxIVA, Factor: FactorExempt}}}},
			"100.00", "100.00 0.00 0.00 0.00 100.00", "IVA Exento 0 +100.00:0.00"},
		{"no taxes", []lineCase{{"99.99", true, "1", "", nil}},
			"99.99", "99.99 0.00 0.00 0.00 99.99", ""},
		{"professional fees, IVA two thirds withheld", []lineCase{{"1000", false, "1", "", []Tax{iva("0.16"), withheld(TaxIVA, "0.106667"), withheld(TaxISR, "0.10")}}},
			"1000.00", "1000.00 0.00 160.00 206.67 953.33",
			"IVA Tasa 0.16 +1000.00:160.00, ISR Tasa 0.1 -1000.00:100.00, IVA Tasa 0.106667 -1000.00:106.67"},
		{"lines grouped by rate", []lineCase{
			{"100", false, "1", "", []Tax{iva("0.16")}},
			{"50", false, "2", "", []Tax{iva("0")}},
			{"10", false, "1.5", "", []Tax{iva("0.16")}}},
			"100.00", "215.00 0.00 18.40 0.00 233.40", "IVA Tasa 0 +100.00:0.00, IVA Tasa 0.16 +115.00:18.40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []Line
			for _, c := range tt.lines {
				lines = append(lines, c.line(t))
			}
			tv := ComputeTotals(lines).view()
			got := strings.Join([]string{tv.Subtotal, tv.Discount, tv.TotalTransferred, tv.TotalWithheld, tv.Total}, " ")
			if got != tt.want {
				t.Errorf("totals = %s, want %s", got, tt.want)
			}
			if g := groups(tv); g != tt.groups {
				t.Errorf("groups = %s\n          want %s", g, tt.groups)
			}
			if u := fmtPrice(lines[0].UnitPrice); u != tt.unit {
				t.Errorf("unit price = %s, want %s", u, tt.unit)
			}
		})
	}
}

func TestPriceLineRefusesPriceBelowQuota(t *testing.T) {
	p := ProductData{Price: decimal.RequireFromString("0.10"), TaxIncluded: true, Taxes: []Tax{ieps("0.5", FactorQuota)}}
	if _, ok := PriceLine(p, one1, decimal.Zero); ok {
		t.Fatal("a price below its per-unit tax was accepted")
	}
}

func TestTaxIncludedCentDifference(t *testing.T) {
	l := lineCase{"10.00", true, "7", "", []Tax{iva("0.16")}}.line(t)
	if got := ComputeTotals([]Line{l}).view().Total; got != "69.99" {
		t.Errorf("total = %s, want 69.99 (as ROUNDING.md says)", got)
	}
}
