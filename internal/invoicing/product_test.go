package invoicing

import (
	"testing"

	"github.com/facturo/facturo"
)

func newProductStream(t *testing.T, in ProductInput) *stream {
	s := &stream{id: "prd_1"}
	d, err := NewProduct(in)
	s.must(t, d, err)
	return s
}

func TestNewProductDefaults(t *testing.T) {
	s := newProductStream(t, ProductInput{Description: "Widget", Price: dec("116")})
	p, err := FoldProduct(s.history)
	if err != nil {
		t.Fatal(err)
	}
	got := mustJSON(t, p.View())
	want := `{"id":"prd_1","object":"product","livemode":false,"created_at":"2025-03-01T12:00:00Z","updated_at":"2025-03-01T12:00:00Z",` +
		`"description":"Widget","price":"116.00","tax_included":true,"taxes":[{"type":"IVA","rate":"0.16","withholding":false,"factor":"Tasa"}],` +
		`"unit_key":"H87","unit_name":"","product_key":"01010101","sku":"","metadata":{}}`
	if got != want {
		t.Errorf("view\n got %s\nwant %s", got, want)
	}
}

func TestNewProductTaxes(t *testing.T) {
	s := newProductStream(t, ProductInput{Description: "Consulting", Price: dec("1000.5"), TaxIncluded: ptr(false),
		Taxes: []TaxInput{{Type: "IVA", Rate: dec("0.16")}, {Type: "isr", Rate: dec("0.10")}, {Type: "IVA_RET", Rate: dec("0.106667")}}})
	p, _ := FoldProduct(s.history)
	v := p.View()
	if len(v.Taxes) != 3 || !v.Taxes[1].Withholding || v.Taxes[2].Type != "IVA" || !v.Taxes[2].Withholding || v.Price != "1000.50" {
		t.Errorf("taxes = %+v price %s", v.Taxes, v.Price)
	}
	s = newProductStream(t, ProductInput{Description: "Books", Price: dec("1"), Taxes: []TaxInput{}})
	if p, _ := FoldProduct(s.history); len(p.Taxes) != 0 {
		t.Errorf("explicit empty taxes became %+v", p.Taxes)
	}
}

func TestNewProductInvalid(t *testing.T) {
	tests := []struct {
		name  string
		in    ProductInput
		code  string
		param string
	}{
		{"no description", ProductInput{Price: dec("1")}, facturo.CodeParameterMissing, "description"},
		{"no price", ProductInput{Description: "x"}, facturo.CodeParameterMissing, "price"},
		{"negative price", ProductInput{Description: "x", Price: dec("-1")}, facturo.CodeParameterInvalid, "price"},
		{"7 decimals", ProductInput{Description: "x", Price: dec("1.0000001")}, facturo.CodeParameterInvalid, "price"},
		{"huge price", ProductInput{Description: "x", Price: dec("1e20")}, facturo.CodeParameterInvalid, "price"},
		{"bad tax type", ProductInput{Description: "x", Price: dec("1"), Taxes: []TaxInput{{Type: "VAT", Rate: dec("0.2")}}}, facturo.CodeParameterInvalid, "taxes[0].type"},
		{"no rate", ProductInput{Description: "x", Price: dec("1"), Taxes: []TaxInput{{Type: "IVA"}}}, facturo.CodeParameterMissing, "taxes[0].rate"},
		{"rate > 1", ProductInput{Description: "x", Price: dec("1"), Taxes: []TaxInput{{Type: "IVA", Rate: dec("16")}}}, facturo.CodeParameterInvalid, "taxes[0].rate"},
		{"bad factor", ProductInput{Description: "x", Price: dec("1"), Taxes: []TaxInput{{Type: "IVA", Rate: dec("0.16"), Factor: "tasa"}}}, facturo.CodeParameterInvalid, "taxes[0].factor"},
		{"twice", ProductInput{Description: "x", Price: dec("1"), Taxes: []TaxInput{{Type: "IVA", Rate: dec("0.16")}, {Type: "IVA", Rate: dec("0")}}}, facturo.CodeParameterInvalid, "taxes[1]"},
		{"bad product key", ProductInput{Description: "x", Price: dec("1"), ProductKey: "123"}, facturo.CodeParameterInvalid, "product_key"},
		{"bad unit key", ProductInput{Description: "x", Price: dec("1"), UnitKey: "pieza"}, facturo.CodeParameterInvalid, "unit_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewProduct(tt.in)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
}

func TestProductUpdateAndDelete(t *testing.T) {
	s := newProductStream(t, ProductInput{Description: "Widget", Price: dec("10"), SKU: "W1"})
	p, _ := FoldProduct(s.history)
	d, err := p.Update(ProductPatch{Price: dec("12.5")})
	s.must(t, d, err)
	p, _ = FoldProduct(s.history)
	if p.View().Price != "12.50" || p.SKU != "W1" || !p.TaxIncluded || len(p.Taxes) != 1 {
		t.Errorf("after update %+v", p.View())
	}
	if d, err := p.Update(ProductPatch{Price: dec("12.50")}); err != nil || len(d) != 0 {
		t.Errorf("no-op update: %d drafts, err %v", len(d), err)
	}
	d, err = p.Update(ProductPatch{Price: dec("-1")})
	wantCode(t, d, err, facturo.CodeParameterInvalid, "price")
	d, err = p.Delete()
	s.must(t, d, err)
	p, _ = FoldProduct(s.history)
	d, err = p.Update(ProductPatch{SKU: ptr("x")})
	wantCode(t, d, err, facturo.CodeNotFound, "")
}
