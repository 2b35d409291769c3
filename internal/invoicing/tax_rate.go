package invoicing

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/facturo/facturo/internal/jurisdiction"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// Tax rate event types.
const (
	TaxRateCreated = "tax_rate.created"
	TaxRateUpdated = "tax_rate.updated"
	TaxRateDeleted = "tax_rate.deleted"
)

// taxRateEvents are the event types of tax rates.
var taxRateEvents = []events.TypeInfo{
	{Name: TaxRateCreated, Description: "A tax rate was created."},
	{Name: TaxRateUpdated, Description: "A tax rate was changed (or activated, or deactivated); data holds the whole rate after the change. Documents keep the copy they took."},
	{Name: TaxRateDeleted, Description: "A tax rate was deleted; documents keep the copy they took."},
}

// TaxRateInput is the body of POST /v1/tax_rates: a named tax of the
// current tax model (type, rate or, with factor Cuota, a fixed amount per
// unit, withholding), whether prices that name it include it by default,
// and whether new documents may name it. The taxes are those of the
// organization's country, as on a product (IVA, ISR, IEPS in Mexico; IVA,
// RE, IRPF in Spain).
type TaxRateInput struct {
	Name            string            `json:"name" facturo:"required;max=100"`
	Type            string            `json:"type" facturo:"required;enum=IVA|ISR|IEPS|IVA_RET|ISR_RET|IEPS_RET|RE|IRPF"`
	Rate            *decimal.Decimal  `json:"rate,omitempty" facturo:"required_unless=factor:Exento;pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Withholding     bool              `json:"withholding,omitempty"`
	Factor          string            `json:"factor,omitempty" facturo:"enum=Tasa|Cuota|Exento;default=Tasa"`
	IncludedInPrice *bool             `json:"included_in_price,omitempty" facturo:"default=true"`
	Active          *bool             `json:"active,omitempty" facturo:"default=true"`
	Metadata        map[string]string `json:"metadata,omitempty"`
}

// TaxRatePatch is the body of PATCH /v1/tax_rates/{id}; nil means
// unchanged. A change never reaches the documents that took a copy.
type TaxRatePatch struct {
	Name            *string           `json:"name,omitempty" facturo:"nonblank;max=100"`
	Type            *string           `json:"type,omitempty" facturo:"enum=IVA|ISR|IEPS|IVA_RET|ISR_RET|IEPS_RET"`
	Rate            *decimal.Decimal  `json:"rate,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Withholding     *bool             `json:"withholding,omitempty"`
	Factor          *string           `json:"factor,omitempty" facturo:"enum=Tasa|Cuota|Exento"`
	IncludedInPrice *bool             `json:"included_in_price,omitempty"`
	Active          *bool             `json:"active,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
}

// TaxRateData is a normalized tax rate: the data of tax_rate.created and
// tax_rate.updated.
type TaxRateData struct {
	// Jurisdiction is the country whose taxes it is one of; "" for MX.
	Jurisdiction    jurisdiction.Country `json:"jurisdiction,omitempty"`
	Name            string               `json:"name"`
	Tax             Tax                  `json:"tax"`
	IncludedInPrice bool                 `json:"included_in_price"`
	Active          bool                 `json:"active"`
	Metadata        map[string]string    `json:"metadata"`
}

// TaxRate is the state of one tax rate stream.
type TaxRate struct {
	Meta
	TaxRateData
	Deleted bool
}

// TaxRateView is the public JSON of a tax rate.
type TaxRateView struct {
	ID              string            `json:"id"`
	Object          string            `json:"object"`
	Livemode        bool              `json:"livemode"`
	CreatedAt       *time.Time        `json:"created_at"`
	UpdatedAt       *time.Time        `json:"updated_at"`
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Rate            string            `json:"rate"`
	Withholding     bool              `json:"withholding"`
	Factor          string            `json:"factor"`
	IncludedInPrice bool              `json:"included_in_price"`
	Active          bool              `json:"active"`
	Metadata        map[string]string `json:"metadata"`
	Deleted         bool              `json:"deleted,omitempty"`
}

// NewTaxRate decides the creation of a tax rate of a Mexican organization.
func NewTaxRate(in TaxRateInput) ([]events.Draft, error) { return mexicoRules.NewTaxRate(in) }

// NewTaxRate decides the creation of a tax rate under r: one of r's taxes.
func (r Rules) NewTaxRate(in TaxRateInput) ([]events.Draft, error) {
	d, err := normalizeTaxRate(r, in)
	if err != nil {
		return nil, err
	}
	return one(TaxRateCreated, d), nil
}

func normalizeTaxRate(r Rules, in TaxRateInput) (TaxRateData, error) {
	d := TaxRateData{
		Jurisdiction:    r.stamp(),
		IncludedInPrice: in.IncludedInPrice == nil || *in.IncludedInPrice,
		Active:          in.Active == nil || *in.Active,
		Metadata:        copyMetadata(in.Metadata),
	}
	var err error
	if d.Name, err = requiredText("name", in.Name, 100); err != nil {
		return d, err
	}
	ti := TaxInput{Type: in.Type, Rate: in.Rate, Withholding: in.Withholding, Factor: in.Factor}
	if d.Tax, err = r.Taxes.NormalizeTax("", ti); err != nil {
		return d, unprefixed(err)
	}
	return d, validateMetadata("metadata", d.Metadata)
}

// unprefixed turns the params of normalizeTax's errors (".rate") into the
// tax rate's own fields ("rate").
func unprefixed(err error) error {
	var e *facturo.Error
	if errors.As(err, &e) {
		c := *e
		c.Param = strings.TrimPrefix(e.Param, ".")
		return &c
	}
	return err
}

// Update decides a change to the tax rate. A patch that changes nothing
// decides no events.
func (r *TaxRate) Update(p TaxRatePatch) ([]events.Draft, error) {
	if !r.Exists() {
		return nil, notFound("tax_rate", r.ID)
	}
	next, err := normalizeTaxRate(RulesFor(r.Jurisdiction), r.patched(p))
	if err != nil {
		return nil, err
	}
	if sameJSON(r.TaxRateData, next) {
		return nil, nil
	}
	return one(TaxRateUpdated, next), nil
}

func (r *TaxRate) patched(p TaxRatePatch) TaxRateInput {
	rate := r.Tax.Rate
	incl, active := r.IncludedInPrice, r.Active
	cur := TaxRateInput{Name: r.Name, Type: r.Tax.Type, Rate: &rate, Withholding: r.Tax.Withholding,
		Factor: r.Tax.Factor, IncludedInPrice: &incl, Active: &active, Metadata: r.Metadata}
	setIf(&cur.Name, p.Name)
	setIf(&cur.Type, p.Type)
	setIf(&cur.Factor, p.Factor)
	setIf(&cur.Withholding, p.Withholding)
	if p.Rate != nil {
		cur.Rate = p.Rate
	}
	if p.Factor != nil && *p.Factor == FactorExempt && p.Rate == nil {
		cur.Rate = nil
	}
	setIf(&incl, p.IncludedInPrice)
	setIf(&active, p.Active)
	if p.Metadata != nil {
		cur.Metadata = p.Metadata
	}
	return cur
}

// Delete decides the deletion of the tax rate.
func (r *TaxRate) Delete() ([]events.Draft, error) {
	if !r.Exists() {
		return nil, notFound("tax_rate", r.ID)
	}
	return one(TaxRateDeleted, Empty{}), nil
}

// Exists reports whether the rate was created and not deleted.
func (r *TaxRate) Exists() bool { return r.Version > 0 && !r.Deleted }

// Apply folds one event into the tax rate.
func (r *TaxRate) Apply(e events.Event) error {
	switch e.Type {
	case TaxRateCreated, TaxRateUpdated:
		var d TaxRateData
		if err := decodeInto("tax_rate", e, &d); err != nil {
			return err
		}
		r.TaxRateData = d
	case TaxRateDeleted:
		r.Deleted = true
	default:
		return unknownEvent("tax_rate", e)
	}
	r.stamp(e)
	return nil
}

// FoldTaxRate folds a tax rate stream.
func FoldTaxRate(history []events.Event) (*TaxRate, error) { return fold[TaxRate](history) }

// View is the public JSON of the tax rate.
func (r *TaxRate) View() TaxRateView {
	return TaxRateView{
		ID: r.ID, Object: "tax_rate", Livemode: r.Livemode,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		Name: r.Name, Type: r.Tax.Type, Rate: fmtRate(r.Tax.Rate), Withholding: r.Tax.Withholding,
		Factor: r.Tax.Factor, IncludedInPrice: r.IncludedInPrice, Active: r.Active,
		Metadata: copyMetadata(r.Metadata), Deleted: r.Deleted,
	}
}

// ProductAt is a product given inline in a request, with the JSON path of
// its fields ("" for the body of /v1/products, "items[2].product." for a
// line's).
type ProductAt struct {
	Prefix  string
	Product *ProductInput
}

// InlineProducts lists the inline products of items.
func InlineProducts(items []ItemInput) []ProductAt {
	var out []ProductAt
	for i := range items {
		if p := items[i].Product.Inline; p != nil {
			out = append(out, ProductAt{Prefix: fmt.Sprintf("items[%d].product.", i), Product: p})
		}
	}
	return out
}

// TaxRateIDs lists, once each, the tax rates the products' taxes name:
// what the caller loads before ResolveTaxRates.
func TaxRateIDs(products []ProductAt) []string {
	seen := map[string]bool{}
	var ids []string
	for _, p := range products {
		for _, t := range p.Product.Taxes {
			if t.TaxRate != "" && !seen[t.TaxRate] {
				seen[t.TaxRate] = true
				ids = append(ids, t.TaxRate)
			}
		}
	}
	return ids
}

// ResolveTaxRates replaces every tax that names a tax rate with a copy of
// the rate as it is now. rates holds the stored rates by id (nil for one
// that does not exist): a missing or deleted rate is not found, an
// inactive one invalid, each on the tax's tax_rate field. A tax that names
// a rate gives no other field. A product that leaves tax_included out
// takes the included_in_price of the first rate it names.
func ResolveTaxRates(products []ProductAt, rates map[string]*TaxRate) error {
	for _, p := range products {
		for i := range p.Product.Taxes {
			t := &p.Product.Taxes[i]
			if t.TaxRate == "" || t.resolved != nil {
				continue
			}
			param := fmt.Sprintf("%staxes[%d].tax_rate", p.Prefix, i)
			r, err := usableRate(param, t, rates[t.TaxRate])
			if err != nil {
				return err
			}
			snapshot := r.Tax
			snapshot.TaxRate = r.ID
			t.resolved = &snapshot
			if p.Product.TaxIncluded == nil {
				incl := r.IncludedInPrice
				p.Product.TaxIncluded = &incl
			}
		}
	}
	return nil
}

func usableRate(param string, t *TaxInput, r *TaxRate) (*TaxRate, error) {
	if t.Type != "" || t.Rate != nil || t.Factor != "" || t.Withholding {
		return nil, invalid(param, "a tax that names a tax rate takes its type, rate, factor and withholding from it; give tax_rate alone.")
	}
	if r == nil || !r.Exists() {
		e := notFound("tax_rate", t.TaxRate)
		e.Param = param
		return nil, e
	}
	if !r.Active {
		return nil, invalid(param, "tax rate %s is inactive; activate it or name another.", r.ID)
	}
	return r, nil
}
