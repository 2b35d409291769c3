package invoicing

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Tax types and factors (SAT catalogues c_Impuesto and c_TipoFactor).
const (
	TaxIVA  = "IVA"
	TaxISR  = "ISR"
	TaxIEPS = "IEPS"

	FactorRate   = "Tasa"   // amount = base × rate
	FactorQuota  = "Cuota"  // amount = quantity × rate (a fixed amount per unit)
	FactorExempt = "Exento" // no amount; the line is reported as exempt
)

// TaxInput is one tax as a caller writes it. Type may carry the suffix
// "_RET" ("IVA_RET", "ISR_RET") as a shorthand for withholding: true. ISR is
// always a withholding in a CFDI, so it is normalized to withholding: true.
// RE (recargo de equivalencia) and IRPF are the Spanish taxes of an ES
// organization, whose IVA rates are Spain's (see docs/spain.md).
//
// TaxRate, instead of the other fields, names a stored tax rate (see
// TaxRate): the command resolves it (ResolveTaxRates) and the document
// keeps a copy of the rate as it was, with its id.
type TaxInput struct {
	Type        string           `json:"type,omitempty" facturo:"required_unless=tax_rate;enum=IVA|ISR|IEPS|IVA_RET|ISR_RET|IEPS_RET|RE|IRPF"`
	Rate        *decimal.Decimal `json:"rate,omitempty" facturo:"required_unless=factor:Exento|tax_rate;pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Withholding bool             `json:"withholding,omitempty"`
	Factor      string           `json:"factor,omitempty" facturo:"enum=Tasa|Cuota|Exento;default=Tasa"`
	TaxRate     string           `json:"tax_rate,omitempty"`

	resolved *Tax // the snapshot of TaxRate, once resolved
}

// Tax is a normalized tax: Type is IVA, ISR or IEPS, Factor is always set.
// TaxRate is the id of the tax rate it was copied from, if any.
type Tax struct {
	Type        string          `json:"type"`
	Rate        decimal.Decimal `json:"rate"`
	Withholding bool            `json:"withholding"`
	Factor      string          `json:"factor"`
	TaxRate     string          `json:"tax_rate,omitempty"`
}

// TaxView is the public JSON of a tax.
type TaxView struct {
	Type        string `json:"type"`
	Rate        string `json:"rate"`
	Withholding bool   `json:"withholding"`
	Factor      string `json:"factor"`
	TaxRate     string `json:"tax_rate,omitempty"`
}

// DefaultTaxes is what a product has when it names none: IVA at 16 %.
func DefaultTaxes() []Tax {
	return []Tax{{Type: TaxIVA, Rate: decimal.RequireFromString("0.16"), Factor: FactorRate}}
}

var maxRate = decimal.NewFromInt(1)

// normalizeTaxes validates a list of Mexican taxes; nil means the default
// list, an empty list means no taxes at all.
func normalizeTaxes(param string, in []TaxInput) ([]Tax, error) {
	return normalizeTaxesIn(mxTaxes{}, param, in)
}

// normalizeTaxesIn validates a list of taxes against a catalogue.
func normalizeTaxesIn(r TaxRules, param string, in []TaxInput) ([]Tax, error) {
	if in == nil {
		return r.DefaultTaxes(), nil
	}
	if len(in) > 10 {
		return nil, invalid(param, "a line may have at most 10 taxes.")
	}
	out := make([]Tax, 0, len(in))
	seen := map[string]bool{}
	for i, t := range in {
		p := fmt.Sprintf("%s[%d]", param, i)
		n, err := normalizeTaxIn(r, p, t)
		if err != nil {
			return nil, err
		}
		key := fmt.Sprintf("%s/%t", n.Type, n.Withholding)
		if seen[key] {
			return nil, invalid(p, "%s appears twice; give each tax once.", n.Type)
		}
		seen[key] = true
		out = append(out, n)
	}
	return out, r.CheckCombination(param, out)
}

// mxTaxes is the Mexican tax catalogue (SAT c_Impuesto and c_TipoFactor).
type mxTaxes struct{}

// DefaultTaxes implements TaxRules.
func (mxTaxes) DefaultTaxes() []Tax { return DefaultTaxes() }

// NormalizeTax implements TaxRules.
func (mxTaxes) NormalizeTax(param string, t TaxInput) (Tax, error) { return normalizeTax(param, t) }

// CheckCombination implements TaxRules: any combination of distinct taxes.
func (mxTaxes) CheckCombination(string, []Tax) error { return nil }

// Totals implements TaxRules: per line, half up (ROUNDING.md).
func (mxTaxes) Totals(lines []Line) Totals { return ComputeTotals(lines) }

// normalizeTaxIn is one tax as r checks it, or the copy of the stored tax
// rate it names (checked by the same rules when the rate was saved: a
// rate and its documents belong to one organization, whose country never
// changes).
func normalizeTaxIn(r TaxRules, p string, t TaxInput) (Tax, error) {
	if t.TaxRate == "" {
		return r.NormalizeTax(p, t)
	}
	if t.resolved == nil { // a document whose taxes cannot name rates
		return Tax{}, invalid(p+".tax_rate", "a tax rate cannot be named here; give the tax's type and rate.")
	}
	return *t.resolved, nil
}

func normalizeTax(p string, t TaxInput) (Tax, error) {
	typ := strings.ToUpper(strings.TrimSpace(t.Type))
	n := Tax{Withholding: t.Withholding, Factor: t.Factor}
	if base, ok := strings.CutSuffix(typ, "_RET"); ok {
		typ, n.Withholding = base, true
	}
	switch typ {
	case "":
		return n, missing(p + ".type")
	case TaxISR:
		n.Withholding = true
	case TaxIVA, TaxIEPS:
	default:
		return n, invalid(p+".type", "'%s' is not a tax type; use IVA, ISR, IEPS, IVA_RET or ISR_RET.", t.Type)
	}
	n.Type = typ
	if n.Factor == "" {
		n.Factor = FactorRate
	}
	return n, n.validateRate(p, t.Rate)
}

func (n *Tax) validateRate(p string, rate *decimal.Decimal) error {
	switch n.Factor {
	case FactorExempt:
		if n.Withholding {
			return invalid(p+".factor", "a withholding cannot be exempt.")
		}
		if rate != nil && !rate.IsZero() {
			return invalid(p+".rate", "an exempt tax has no rate.")
		}
		n.Rate = decimal.Zero
		return nil
	case FactorRate, FactorQuota:
	default:
		return invalid(p+".factor", "'%s' is not a tax factor; use Tasa, Cuota or Exento.", n.Factor)
	}
	if rate == nil {
		return missing(p + ".rate")
	}
	if rate.Sign() < 0 || !hasMaxPlaces(*rate, 6) || (n.Factor == FactorRate && rate.GreaterThan(maxRate)) {
		return invalid(p+".rate", "rate must be a decimal between 0 and 1 with at most 6 decimals, e.g. \"0.16\".")
	}
	n.Rate = *rate
	return nil
}

func (t Tax) view() TaxView {
	return TaxView{Type: t.Type, Rate: fmtRate(t.Rate), Withholding: t.Withholding, Factor: t.Factor, TaxRate: t.TaxRate}
}

func taxViews(ts []Tax) []TaxView {
	out := make([]TaxView, len(ts))
	for i, t := range ts {
		out[i] = t.view()
	}
	return out
}
