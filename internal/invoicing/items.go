package invoicing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
)

// MaxItems bounds the lines of one document.
const MaxItems = 500

// ItemInput is one line of an invoice or receipt request.
type ItemInput struct {
	Product  ProductRef       `json:"product" facturo:"required"`
	Quantity *decimal.Decimal `json:"quantity,omitempty" facturo:"pattern=^[0-9]{1,9}([.][0-9]{1,6})?$;default=1"`  // default 1
	Discount *decimal.Decimal `json:"discount,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,2})?$;default=0"` // an amount before taxes, default 0
}

// ProductRef is either the id of a stored product (a JSON string) or an
// inline product (a JSON object, decoded strictly: unknown fields refused).
type ProductRef struct {
	ID     string
	Inline *ProductInput
}

// UnmarshalJSON accepts a string id or a product object.
func (r *ProductRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*r = ProductRef{}
		return json.Unmarshal(b, &r.ID)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p ProductInput
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("product must be a product id or a product object: %w", err)
	}
	*r = ProductRef{Inline: &p}
	return nil
}

// MarshalJSON writes the id or the inline product.
func (r ProductRef) MarshalJSON() ([]byte, error) {
	if r.Inline != nil {
		return json.Marshal(r.Inline)
	}
	return json.Marshal(r.ID)
}

// ProductIDs lists, sorted and once each, the stored products the items
// name: what the caller loads before deciding.
func ProductIDs(items []ItemInput) []string {
	seen := map[string]bool{}
	var ids []string
	for _, it := range items {
		if id := it.Product.ID; id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

var maxQuantity = decimal.New(1, 9)

// resolveLines validates the items of a Mexican document and prices them.
func resolveLines(items []ItemInput, products map[string]*Product) ([]Line, error) {
	return resolveLinesIn(mexicoRules, items, products)
}

// resolveLinesIn validates items and prices them; inline products follow
// r. products holds the stored products the items name, by id; a missing
// or deleted one is not found.
func resolveLinesIn(r Rules, items []ItemInput, products map[string]*Product) ([]Line, error) {
	if len(items) == 0 {
		return nil, missing("items")
	}
	if len(items) > MaxItems {
		return nil, invalid("items", "a document may have at most %d items.", MaxItems)
	}
	lines := make([]Line, len(items))
	for i, it := range items {
		l, err := resolveLine(r, fmt.Sprintf("items[%d]", i), it, products)
		if err != nil {
			return nil, err
		}
		lines[i] = l
	}
	return lines, nil
}

func resolveLine(r Rules, p string, it ItemInput, products map[string]*Product) (Line, error) {
	prod, err := resolveProduct(r, p+".product", it.Product, products)
	if err != nil {
		return Line{}, err
	}
	qty, err := validateQuantity(p+".quantity", it.Quantity)
	if err != nil {
		return Line{}, err
	}
	disc := decimal.Zero
	if it.Discount != nil {
		disc = *it.Discount
	}
	if disc.Sign() < 0 || !hasMaxPlaces(disc, moneyPlaces) {
		return Line{}, invalid(p+".discount", "discount must be an amount of at least 0 with at most 2 decimals.")
	}
	return priceChecked(p, prod, it.Product.ID, qty, disc)
}

// priceChecked prices a line and refuses a discount above its subtotal.
func priceChecked(p string, prod ProductData, productID string, qty, disc decimal.Decimal) (Line, error) {
	l, ok := PriceLine(prod, qty, disc)
	if !ok {
		return Line{}, invalid(p+".product.price", "the price is lower than the per-unit taxes it includes.")
	}
	if l.Discount.GreaterThan(l.Subtotal) {
		return Line{}, invalid(p+".discount", "discount %s is greater than the line subtotal %s.", fmtMoney(l.Discount), fmtMoney(l.Subtotal))
	}
	l.ProductID = productID
	return l, nil
}

func resolveProduct(rules Rules, p string, r ProductRef, products map[string]*Product) (ProductData, error) {
	if r.Inline != nil {
		return normalizeProduct(rules, p+".", *r.Inline)
	}
	if r.ID == "" {
		return ProductData{}, missing(p)
	}
	prod, ok := products[r.ID]
	if !ok || prod == nil || !prod.Exists() || prod.Jurisdiction != rules.stamp() {
		e := notFound("product", r.ID)
		e.Param = p
		return ProductData{}, e
	}
	return prod.ProductData, nil
}

func validateQuantity(p string, q *decimal.Decimal) (decimal.Decimal, error) {
	if q == nil {
		return one1, nil
	}
	if q.Sign() <= 0 || q.GreaterThan(maxQuantity) || !hasMaxPlaces(*q, pricePlaces) {
		return decimal.Zero, invalid(p, "quantity must be greater than 0 with at most 6 decimals.")
	}
	return *q, nil
}
