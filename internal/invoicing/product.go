package invoicing

import (
	"regexp"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/shopspring/decimal"
)

// productEvents are the event types of products.
var productEvents = []events.TypeInfo{
	{Name: events.ProductCreated, Description: "A product was created."},
	{Name: events.ProductUpdated, Description: "A product was updated; data holds the whole product after the change."},
	{Name: events.ProductDeleted, Description: "A product was deleted."},
}

// Product defaults, as in Facturapi: unit "H87" (pieza) and product key
// "01010101" (no existe en el catálogo).
const (
	DefaultUnitKey    = "H87"
	DefaultProductKey = "01010101"
)

// ProductInput is the body of POST /v1/products, and an inline product of an
// invoice or receipt item. Taxes absent means DefaultTaxes; an empty list
// means no taxes.
type ProductInput struct {
	Description string            `json:"description" facturo:"required;max=1000"`
	Price       *decimal.Decimal  `json:"price" facturo:"required;pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	TaxIncluded *bool             `json:"tax_included,omitempty" facturo:"default=true"`
	Taxes       []TaxInput        `json:"taxes,omitempty" facturo:"max=10"`
	UnitKey     string            `json:"unit_key,omitempty" facturo:"pattern=^[A-Z0-9]{1,3}$;default=H87"`
	UnitName    string            `json:"unit_name,omitempty" facturo:"max=100"`
	ProductKey  string            `json:"product_key,omitempty" facturo:"pattern=^[0-9]{8}$;default=01010101"`
	SKU         string            `json:"sku,omitempty" facturo:"max=100"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// ProductPatch is the body of PATCH /v1/products/{id}; nil means unchanged.
// Taxes and metadata, when given, replace the stored ones.
type ProductPatch struct {
	Description *string           `json:"description,omitempty" facturo:"nonblank;max=1000"`
	Price       *decimal.Decimal  `json:"price,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	TaxIncluded *bool             `json:"tax_included,omitempty"`
	Taxes       *[]TaxInput       `json:"taxes,omitempty" facturo:"max=10"`
	UnitKey     *string           `json:"unit_key,omitempty" facturo:"pattern=^[A-Z0-9]{1,3}$"`
	UnitName    *string           `json:"unit_name,omitempty" facturo:"max=100"`
	ProductKey  *string           `json:"product_key,omitempty" facturo:"pattern=^[0-9]{8}$"`
	SKU         *string           `json:"sku,omitempty" facturo:"max=100"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// ProductData is a normalized product: the data of product.created and
// product.updated, and the snapshot an invoice line copies, so that editing
// the product later never changes an existing invoice.
type ProductData struct {
	Description string            `json:"description"`
	Price       decimal.Decimal   `json:"price"`
	TaxIncluded bool              `json:"tax_included"`
	Taxes       []Tax             `json:"taxes"`
	UnitKey     string            `json:"unit_key"`
	UnitName    string            `json:"unit_name"`
	ProductKey  string            `json:"product_key"`
	SKU         string            `json:"sku"`
	Metadata    map[string]string `json:"metadata"`
	// Jurisdiction is the country whose taxes it carries; "" for MX.
	Jurisdiction jurisdiction.Country `json:"jurisdiction,omitempty"`
}

// Product is the state of one product stream.
type Product struct {
	Meta
	ProductData
	Deleted bool
}

// ProductView is the public JSON of a product.
type ProductView struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   *time.Time        `json:"created_at"`
	UpdatedAt   *time.Time        `json:"updated_at"`
	Description string            `json:"description"`
	Price       string            `json:"price"`
	TaxIncluded bool              `json:"tax_included"`
	Taxes       []TaxView         `json:"taxes"`
	UnitKey     string            `json:"unit_key"`
	UnitName    string            `json:"unit_name"`
	ProductKey  string            `json:"product_key"`
	SKU         string            `json:"sku"`
	Metadata    map[string]string `json:"metadata"`
	Deleted     bool              `json:"deleted,omitempty"`
}

var (
	productKeyPattern = regexp.MustCompile(`^[0-9]{8}$`)
	unitKeyPattern    = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
	// maxPrice bounds prices and amounts far above any real invoice, so
	// that a hostile "1e999999" cannot make the arithmetic expensive.
	maxPrice = decimal.New(1, 12)
)

// NewProduct decides the creation of a product of a Mexican organization.
func NewProduct(in ProductInput) ([]events.Draft, error) { return mexicoRules.NewProduct(in) }

// NewProduct decides the creation of a product under r.
func (r Rules) NewProduct(in ProductInput) ([]events.Draft, error) {
	d, err := normalizeProduct(r, "", in)
	if err != nil {
		return nil, err
	}
	return one(events.ProductCreated, d), nil
}

// normalizeProduct validates in; prefix is the JSON path of the product in
// its request ("" for /v1/products, "items[3].product." for an inline one).
func normalizeProduct(r Rules, prefix string, in ProductInput) (ProductData, error) {
	d := ProductData{
		Jurisdiction: r.stamp(),
		TaxIncluded:  in.TaxIncluded == nil || *in.TaxIncluded,
		UnitKey:      orDefault(strings.ToUpper(strings.TrimSpace(in.UnitKey)), DefaultUnitKey),
		UnitName:     strings.TrimSpace(in.UnitName),
		ProductKey:   orDefault(strings.TrimSpace(in.ProductKey), DefaultProductKey),
		SKU:          strings.TrimSpace(in.SKU),
		Metadata:     copyMetadata(in.Metadata),
	}
	var err error
	if d.Description, err = requiredText(prefix+"description", in.Description, 1000); err != nil {
		return d, err
	}
	if d.Price, err = validatePrice(prefix+"price", in.Price); err != nil {
		return d, err
	}
	if d.Taxes, err = normalizeTaxesIn(r.Taxes, prefix+"taxes", in.Taxes); err != nil {
		return d, err
	}
	return d, firstErr(
		matches(unitKeyPattern, prefix+"unit_key", d.UnitKey, "a SAT unit key (e.g. H87, E48)"),
		maxLen(prefix+"unit_name", d.UnitName, 100),
		matches(productKeyPattern, prefix+"product_key", d.ProductKey, "a SAT product key (8 digits)"),
		maxLen(prefix+"sku", d.SKU, 100),
		validateMetadata(prefix+"metadata", d.Metadata),
	)
}

func validatePrice(param string, p *decimal.Decimal) (decimal.Decimal, error) {
	if p == nil {
		return decimal.Zero, missing(param)
	}
	if p.Sign() < 0 || p.GreaterThan(maxPrice) || !hasMaxPlaces(*p, pricePlaces) {
		return decimal.Zero, invalid(param, "price must be a decimal of at least 0 with at most 6 decimals, e.g. \"100.00\".")
	}
	return *p, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Update decides a change to the product. It never touches invoices, which
// hold their own copy of the product. A patch that changes nothing decides
// no events.
func (p *Product) Update(in ProductPatch) ([]events.Draft, error) {
	if !p.Exists() {
		return nil, notFound("product", p.ID)
	}
	next, err := normalizeProduct(RulesFor(p.Jurisdiction), "", p.patched(in))
	if err != nil {
		return nil, err
	}
	if sameJSON(p.ProductData, next) {
		return nil, nil
	}
	return one(events.ProductUpdated, next), nil
}

// patched returns the current product as an input with the patch applied.
func (p *Product) patched(in ProductPatch) ProductInput {
	cur := p.ProductData.input()
	setIf(&cur.Description, in.Description)
	if in.Price != nil {
		cur.Price = in.Price
	}
	if in.TaxIncluded != nil {
		cur.TaxIncluded = in.TaxIncluded
	}
	setIf(&cur.Taxes, in.Taxes)
	setIf(&cur.UnitKey, in.UnitKey)
	setIf(&cur.UnitName, in.UnitName)
	setIf(&cur.ProductKey, in.ProductKey)
	setIf(&cur.SKU, in.SKU)
	if in.Metadata != nil {
		cur.Metadata = in.Metadata
	}
	return cur
}

// input turns normalized data back into an input that normalizes to it.
func (d ProductData) input() ProductInput {
	price, incl := d.Price, d.TaxIncluded
	taxes := make([]TaxInput, len(d.Taxes))
	for i, t := range d.Taxes {
		rate, snapshot := t.Rate, t
		taxes[i] = TaxInput{Type: t.Type, Rate: &rate, Withholding: t.Withholding, Factor: t.Factor}
		if t.TaxRate != "" { // the copy stays as it was, whatever the rate is now
			taxes[i] = TaxInput{TaxRate: t.TaxRate, resolved: &snapshot}
		}
	}
	return ProductInput{
		Description: d.Description, Price: &price, TaxIncluded: &incl, Taxes: taxes,
		UnitKey: d.UnitKey, UnitName: d.UnitName, ProductKey: d.ProductKey, SKU: d.SKU,
		Metadata: d.Metadata,
	}
}

// Delete decides the deletion of the product.
func (p *Product) Delete() ([]events.Draft, error) {
	if !p.Exists() {
		return nil, notFound("product", p.ID)
	}
	return one(events.ProductDeleted, Empty{}), nil
}

// Exists reports whether the stream has events and the product is not deleted.
func (p *Product) Exists() bool { return p.Version > 0 && !p.Deleted }

// Apply folds one event into the product.
func (p *Product) Apply(e events.Event) error {
	switch e.Type {
	case events.ProductCreated, events.ProductUpdated:
		var d ProductData
		if err := decodeInto("product", e, &d); err != nil {
			return err
		}
		p.ProductData = d
	case events.ProductDeleted:
		p.Deleted = true
	default:
		return unknownEvent("product", e)
	}
	p.stamp(e)
	return nil
}

// FoldProduct folds a product stream. An empty history gives a product whose
// Exists is false.
func FoldProduct(history []events.Event) (*Product, error) { return fold[Product](history) }

// View is the public JSON of the product.
func (p *Product) View() ProductView {
	return ProductView{
		ID: p.ID, Object: "product", Livemode: p.Livemode,
		CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt),
		Description: p.Description, Price: fmtPrice(p.Price), TaxIncluded: p.TaxIncluded,
		Taxes: taxViews(p.Taxes), UnitKey: p.UnitKey, UnitName: p.UnitName,
		ProductKey: p.ProductKey, SKU: p.SKU, Metadata: copyMetadata(p.Metadata),
		Deleted: p.Deleted,
	}
}
