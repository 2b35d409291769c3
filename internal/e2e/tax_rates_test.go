package e2e

import (
	"testing"
)

// A product and an invoice line name a tax rate by id and keep a copy of
// it: editing, deactivating or deleting the rate later changes neither the
// product nor the invoice, and an inactive or deleted rate cannot be named
// by a new document (400 or 404 on the tax's tax_rate field).
func TestTaxRatesAreCopiedIntoDocuments(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("taxrates@example.com")
	key := tk.live
	client := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	rate := s.must(201, "POST", "/v1/tax_rates", key, map[string]any{
		"name": "IVA 8% frontera", "type": "IVA", "rate": "0.08", "included_in_price": false}).str("id")
	ref := map[string]any{"tax_rate": rate}

	prod := s.must(201, "POST", "/v1/products", key, map[string]any{"description": "Hour", "price": "100.00", "taxes": []any{ref}})
	if got := prod.str("taxes", "0", "tax_rate"); got != rate || prod.Body["tax_included"] != false {
		t.Fatalf("product: tax_rate %q tax_included %v, want %s and false (the rate's default): %s", got, prod.Body["tax_included"], rate, prod.Raw)
	}
	inline := map[string]any{"description": "Hour", "price": "100.00", "taxes": []any{ref}}
	inv := s.must(201, "POST", "/v1/invoices", key, invoiceBody(client, "", item(prod.str("id"), "1"), item(inline, "1")))
	if inv.str("total") != "216.00" || inv.str("items", "1", "taxes", "0", "tax_rate") != rate {
		t.Fatalf("invoice: total %s, want 216.00 with the rate's id on the line: %s", inv.str("total"), inv.Raw)
	}

	s.must(200, "PATCH", "/v1/tax_rates/"+rate, key, map[string]any{"rate": "0.16"})
	if got := s.must(200, "GET", "/v1/invoices/"+inv.str("id"), key, nil); got.str("total") != "216.00" || got.str("items", "1", "taxes", "0", "rate") != "0.08" {
		t.Errorf("after the rate changed, the invoice changed: %s", got.Raw)
	}
	if got := s.must(200, "GET", "/v1/products/"+prod.str("id"), key, nil); got.str("taxes", "0", "rate") != "0.08" {
		t.Errorf("after the rate changed, the product changed: %s", got.Raw)
	}
	// A new document copies the rate as it is now.
	now := s.must(201, "POST", "/v1/invoices", key, invoiceBody(client, "", item(inline, "1")))
	if now.str("total") != "116.00" {
		t.Errorf("a new invoice after the change: total %s, want 116.00", now.str("total"))
	}

	s.must(200, "PATCH", "/v1/tax_rates/"+rate, key, map[string]any{"active": false})
	r := s.call("POST", "/v1/invoices", key, invoiceBody(client, "", item(inline, "1")))
	if r.Status != 400 || r.str("error", "param") != "items[0].product.taxes[0].tax_rate" {
		t.Errorf("an inactive rate: %d %s, want 400 on items[0].product.taxes[0].tax_rate", r.Status, r.Raw)
	}
	s.must(200, "DELETE", "/v1/tax_rates/"+rate, key, nil)
	r = s.call("POST", "/v1/products", key, map[string]any{"description": "Hour", "price": "1.00", "taxes": []any{ref}})
	if r.Status != 404 || r.str("error", "param") != "taxes[0].tax_rate" {
		t.Errorf("a deleted rate: %d %s, want 404 on taxes[0].tax_rate", r.Status, r.Raw)
	}
	if got := s.must(200, "GET", "/v1/invoices/"+inv.str("id"), key, nil); got.str("total") != "216.00" {
		t.Errorf("after the rate was deleted, the invoice changed: %s", got.Raw)
	}
	// A rate of the other mode is not found.
	r = s.call("POST", "/v1/products", tk.test, map[string]any{"description": "Hour", "price": "1.00", "taxes": []any{map[string]any{"tax_rate": prod.str("taxes", "0", "tax_rate")}}})
	if r.Status != 404 {
		t.Errorf("a live rate from a test key: %d %s, want 404", r.Status, r.Raw)
	}
	// A tax that names a rate gives nothing else.
	r = s.call("POST", "/v1/products", key, map[string]any{"description": "Hour", "price": "1.00", "taxes": []any{map[string]any{"tax_rate": rate, "rate": "0.16"}}})
	if r.Status != 400 || r.str("error", "param") != "taxes[0].tax_rate" {
		t.Errorf("tax_rate with a rate: %d %s, want 400 on taxes[0].tax_rate", r.Status, r.Raw)
	}
}
