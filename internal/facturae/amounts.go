package facturae

import (
	"github.com/shopspring/decimal"

	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction/es"
)

// taxes are the invoice's charged taxes, one per IVA rate with the
// recargo de equivalencia of that rate, and its withheld ones (IRPF),
// from the invoice's own breakdown: every amount is the invoice's.
func taxes(groups []invoicing.TaxTotal, sign decimal.Decimal) ([]TaxOutput, []Tax) {
	var out []TaxOutput
	var withheld []Tax
	surcharges := map[string]invoicing.TaxTotal{}
	for _, g := range groups {
		if g.Type == invoicing.TaxRE {
			surcharges[g.Rate.String()] = g
		}
	}
	for _, g := range groups {
		switch {
		case g.Withholding:
			withheld = append(withheld, Tax{TaxTypeCode: codeIRPF, TaxRate: percent(g.Rate), TaxableBase: amount(g.Base, sign), TaxAmount: amount(g.Amount, sign)})
		case g.Type == invoicing.TaxIVA:
			o := TaxOutput{TaxTypeCode: codeIVA, TaxRate: percent(g.Rate), TaxableBase: amount(g.Base, sign), TaxAmount: amount(g.Amount, sign)}
			if r, ok := es.Surcharge(g.Rate); ok && g.Factor == invoicing.FactorRate {
				if re, ok := surcharges[r.String()]; ok {
					a := amount(re.Amount, sign)
					o.EquivalenceSurcharge, o.EquivalenceSurchargeAmount = percent(re.Rate), &a
				}
			}
			out = append(out, o)
		}
	}
	return out, withheld
}

// lineTaxes are one line's taxes, as the invoice's are.
func lineTaxes(l invoicing.Line, sign decimal.Decimal) ([]TaxOutput, []Tax) {
	groups := make([]invoicing.TaxTotal, len(l.Taxes))
	for i, t := range l.Taxes {
		groups[i] = invoicing.TaxTotal(t)
	}
	out, withheld := taxes(groups, sign)
	if len(out) == 0 { // the schema wants a charged tax on every line
		out = []TaxOutput{{TaxTypeCode: codeIVA, TaxRate: percent(decimal.Zero), TaxableBase: amount(l.Base(), sign), TaxAmount: amount(decimal.Zero, sign)}}
	}
	return out, withheld
}

func lines(items []invoicing.Line, sign decimal.Decimal) []InvoiceLine {
	out := make([]InvoiceLine, len(items))
	for i, l := range items {
		il := InvoiceLine{ItemDescription: clip(l.Product.Description, 2500), Quantity: sign.Mul(l.Quantity).String(),
			UnitPriceWithoutTax: l.UnitPrice.StringFixed(6), TotalCost: money(l.Subtotal, sign),
			GrossAmount: money(l.Base(), sign), ArticleCode: clip(l.Product.SKU, 20)}
		if !l.Discount.IsZero() {
			il.DiscountsAndRebates = []Discount{{DiscountReason: "Descuento", DiscountAmount: money(l.Discount, sign)}}
		}
		il.TaxesOutputs, il.TaxesWithheld = lineTaxes(l, sign)
		out[i] = il
	}
	return out
}

// totals are the invoice's totals: gross amount after the lines'
// discounts, the charged taxes (IVA and recargo), the withheld ones, and
// what is owed.
func totals(t invoicing.Totals, sign decimal.Decimal) InvoiceTotals {
	base := t.Subtotal.Sub(t.Discount)
	return InvoiceTotals{
		TotalGrossAmount: money(base, sign), TotalGrossAmountBeforeTaxes: money(base, sign),
		TotalTaxOutputs: money(t.TotalTransferred, sign), TotalTaxesWithheld: money(t.TotalWithheld, sign),
		InvoiceTotal: money(t.Total, sign), TotalOutstandingAmount: money(t.Total, sign), TotalExecutableAmount: money(t.Total, sign),
	}
}

func money(d, sign decimal.Decimal) string { return d.Mul(sign).StringFixed(2) }

func amount(d, sign decimal.Decimal) Amount { return Amount{TotalAmount: money(d, sign)} }

// percent writes a rate as Facturae's percentage: 0.21 is "21.00", 0.052
// is "5.20".
func percent(r decimal.Decimal) string { return r.Shift(2).StringFixed(2) }

// alpha3 is the ISO 3166-1 alpha-3 code Facturae wants, from the alpha-2
// or alpha-3 code of an address (the member states of the EU and a few
// others; any other alpha-2 code is written as given).
func alpha3(c string) string {
	if len(c) == 3 {
		return c
	}
	if a, ok := alpha3Codes[c]; ok {
		return a
	}
	return c
}

var alpha3Codes = map[string]string{
	"AT": "AUT", "BE": "BEL", "BG": "BGR", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST", "EL": "GRC",
	"GR": "GRC", "ES": "ESP", "FI": "FIN", "FR": "FRA", "HR": "HRV", "HU": "HUN", "IE": "IRL", "IT": "ITA", "LT": "LTU",
	"LU": "LUX", "LV": "LVA", "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN",
	"SK": "SVK", "GB": "GBR", "US": "USA", "MX": "MEX", "AD": "AND", "CH": "CHE", "NO": "NOR",
}
