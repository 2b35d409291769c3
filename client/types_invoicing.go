package client

import (
	"encoding/json"
	"time"
)

// Address is a postal address. Country is ISO 3166 alpha-3 or alpha-2.
type Address struct {
	Street       string `json:"street"`
	Exterior     string `json:"exterior"`
	Interior     string `json:"interior"`
	Neighborhood string `json:"neighborhood"`
	City         string `json:"city"`
	Municipality string `json:"municipality"`
	State        string `json:"state"`
	Country      string `json:"country"`
	Zip          string `json:"zip"`
}

// Customer is a client of the organization, the receiver of its invoices
// (named Customer so that it does not read as this package's Client).
type Customer struct {
	ID        string            `json:"id"` // cli_...
	Object    string            `json:"object"`
	Livemode  bool              `json:"livemode"`
	CreatedAt *time.Time        `json:"created_at"`
	UpdatedAt *time.Time        `json:"updated_at"`
	LegalName string            `json:"legal_name"`
	TaxID     string            `json:"tax_id"` // RFC
	TaxSystem string            `json:"tax_system"`
	Email     string            `json:"email"`
	Phone     string            `json:"phone"`
	Address   Address           `json:"address"`
	Metadata  map[string]string `json:"metadata"`
	Deleted   bool              `json:"deleted,omitempty"`
}

// ClientInput is the body of Clients.Create.
type ClientInput struct {
	LegalName string            `json:"legal_name"` // required
	TaxID     string            `json:"tax_id"`     // required: the RFC
	TaxSystem string            `json:"tax_system,omitempty"`
	Email     string            `json:"email,omitempty"` // where Invoices.Send writes by default
	Phone     string            `json:"phone,omitempty"`
	Address   Address           `json:"address"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// ClientPatch is the body of Clients.Update; nil fields stay as they are.
// An address or metadata replaces the whole stored one.
type ClientPatch struct {
	LegalName *string           `json:"legal_name,omitempty"`
	TaxID     *string           `json:"tax_id,omitempty"`
	TaxSystem *string           `json:"tax_system,omitempty"`
	Email     *string           `json:"email,omitempty"`
	Phone     *string           `json:"phone,omitempty"`
	Address   *Address          `json:"address,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// Tax is a normalized tax: Type is IVA, ISR or IEPS; Factor is Tasa (a
// rate of the base), Cuota (an amount per unit) or Exento.
type Tax struct {
	Type        string `json:"type"`
	Rate        string `json:"rate"` // a decimal, e.g. "0.16"
	Withholding bool   `json:"withholding"`
	Factor      string `json:"factor"`
	TaxRate     string `json:"tax_rate,omitempty"` // txr_...: the tax rate this is a copy of
}

// TaxInput is one tax as a caller writes it. Type may carry the suffix
// "_RET" ("IVA_RET", "ISR_RET") as a shorthand for Withholding. TaxRate,
// given alone, names a stored tax rate instead: the document keeps a copy.
type TaxInput struct {
	Type        string `json:"type,omitempty"`        // IVA, ISR or IEPS
	Rate        string `json:"rate,omitempty"`        // a decimal, e.g. "0.16"
	Withholding bool   `json:"withholding,omitempty"` // withheld rather than transferred
	Factor      string `json:"factor,omitempty"`      // default Tasa
	TaxRate     string `json:"tax_rate,omitempty"`    // txr_...
}

// TaxRate is a named tax of the organization's catalogue that products and
// lines name by id (TaxInput.TaxRate).
type TaxRate struct {
	ID              string            `json:"id"` // txr_...
	Object          string            `json:"object"`
	Livemode        bool              `json:"livemode"`
	CreatedAt       *time.Time        `json:"created_at"`
	UpdatedAt       *time.Time        `json:"updated_at"`
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Rate            string            `json:"rate"` // with factor Cuota, a fixed amount per unit
	Withholding     bool              `json:"withholding"`
	Factor          string            `json:"factor"`
	IncludedInPrice bool              `json:"included_in_price"`
	Active          bool              `json:"active"`
	Metadata        map[string]string `json:"metadata"`
	Deleted         bool              `json:"deleted,omitempty"`
}

// TaxRateInput is the body of TaxRates.Create.
type TaxRateInput struct {
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Rate            string            `json:"rate,omitempty"`
	Withholding     bool              `json:"withholding,omitempty"`
	Factor          string            `json:"factor,omitempty"`            // default Tasa
	IncludedInPrice *bool             `json:"included_in_price,omitempty"` // default true
	Active          *bool             `json:"active,omitempty"`            // default true
	Metadata        map[string]string `json:"metadata,omitempty"`
}

// TaxRatePatch is the body of TaxRates.Update; nil fields stay as they are.
type TaxRatePatch struct {
	Name            *string           `json:"name,omitempty"`
	Type            *string           `json:"type,omitempty"`
	Rate            *string           `json:"rate,omitempty"`
	Withholding     *bool             `json:"withholding,omitempty"`
	Factor          *string           `json:"factor,omitempty"`
	IncludedInPrice *bool             `json:"included_in_price,omitempty"`
	Active          *bool             `json:"active,omitempty"`
	Metadata        map[string]string `json:"metadata,omitempty"`
}

// Product is an item of the organization's catalogue.
type Product struct {
	ID          string            `json:"id"` // prd_...
	Object      string            `json:"object"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   *time.Time        `json:"created_at"`
	UpdatedAt   *time.Time        `json:"updated_at"`
	Description string            `json:"description"`
	Price       string            `json:"price"` // 2 to 6 decimals, e.g. "100.00"
	TaxIncluded bool              `json:"tax_included"`
	Taxes       []Tax             `json:"taxes"`
	UnitKey     string            `json:"unit_key"`    // SAT c_ClaveUnidad
	UnitName    string            `json:"unit_name"`   // e.g. "Hora"
	ProductKey  string            `json:"product_key"` // SAT c_ClaveProdServ
	SKU         string            `json:"sku"`
	Metadata    map[string]string `json:"metadata"`
	Deleted     bool              `json:"deleted,omitempty"`
}

// ProductInput is the body of Products.Create, and an inline product of an
// invoice or receipt item. Taxes nil means the default (IVA at 16 %); an
// empty list means no taxes.
type ProductInput struct {
	Description string            `json:"description"`
	Price       string            `json:"price,omitempty"`        // required: a decimal, e.g. "100.00"
	TaxIncluded *bool             `json:"tax_included,omitempty"` // Price includes the taxes; default true
	Taxes       []TaxInput        `json:"taxes"`
	UnitKey     string            `json:"unit_key,omitempty"`
	UnitName    string            `json:"unit_name,omitempty"`
	ProductKey  string            `json:"product_key,omitempty"`
	SKU         string            `json:"sku,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// ProductPatch is the body of Products.Update; nil fields stay as they are.
// Taxes and metadata, when given, replace the stored ones.
type ProductPatch struct {
	Description *string           `json:"description,omitempty"`
	Price       *string           `json:"price,omitempty"` // a decimal
	TaxIncluded *bool             `json:"tax_included,omitempty"`
	Taxes       *[]TaxInput       `json:"taxes,omitempty"`
	UnitKey     *string           `json:"unit_key,omitempty"`
	UnitName    *string           `json:"unit_name,omitempty"`
	ProductKey  *string           `json:"product_key,omitempty"`
	SKU         *string           `json:"sku,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// Series numbers invoices without gaps: Prefix + the next number.
type Series struct {
	ID         string     `json:"id"`
	Object     string     `json:"object"`
	Livemode   bool       `json:"livemode"`
	CreatedAt  *time.Time `json:"created_at"`
	UpdatedAt  *time.Time `json:"updated_at"`
	Code       string     `json:"code"` // what InvoiceInput.Series names
	Prefix     string     `json:"prefix"`
	NextNumber int64      `json:"next_number"`
}

// SeriesInput is the body of Series.Create.
type SeriesInput struct {
	Code       string `json:"code"`
	Prefix     string `json:"prefix,omitempty"`
	NextNumber int64  `json:"next_number,omitempty"` // default 1
}

// SeriesPatch is the body of Series.Update; the code never changes, and the
// counter only moves forward.
type SeriesPatch struct {
	Prefix     *string `json:"prefix,omitempty"`
	NextNumber *int64  `json:"next_number,omitempty"`
}

// ItemInput is one line of an invoice or receipt request.
type ItemInput struct {
	Product  ProductRef `json:"product"`
	Quantity string     `json:"quantity,omitempty"` // a decimal, default "1"
	Discount string     `json:"discount,omitempty"` // an amount before taxes, default "0"
}

// ProductRef is either the id of a stored product (ID, sent as a JSON
// string) or an inline product (Inline, sent as an object); Inline wins
// when both are set.
type ProductRef struct {
	ID     string
	Inline *ProductInput
}

// ProductID refers to a stored product.
func ProductID(id string) ProductRef { return ProductRef{ID: id} }

// InlineProduct describes the product of a line in place.
func InlineProduct(p ProductInput) ProductRef { return ProductRef{Inline: &p} }

// MarshalJSON writes the id as a string, or the inline product.
func (r ProductRef) MarshalJSON() ([]byte, error) {
	if r.Inline != nil {
		return json.Marshal(r.Inline)
	}
	return json.Marshal(r.ID)
}

// UnmarshalJSON reads either form.
func (r *ProductRef) UnmarshalJSON(b []byte) error {
	*r = ProductRef{}
	if json.Unmarshal(b, &r.ID) == nil {
		return nil
	}
	r.Inline = new(ProductInput)
	return json.Unmarshal(b, r.Inline)
}
