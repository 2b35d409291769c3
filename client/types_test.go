package client

import (
	"encoding/json"
	"testing"
	"time"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Amounts travel as the decimal strings they are written as; optional ones
// left empty are left out, so the server applies its defaults.
func TestAmountsAreStrings(t *testing.T) {
	in := InvoiceInput{Client: "cli_1", Items: []ItemInput{
		{Product: ProductID("prd_1"), Quantity: "2"},
		{Product: InlineProduct(ProductInput{Description: "Hour", Price: "100.00", Taxes: []TaxInput{{Type: "IVA", Rate: "0.16"}}})},
	}}
	want := `{"client":"cli_1","items":[{"product":"prd_1","quantity":"2"},` +
		`{"product":{"description":"Hour","price":"100.00","taxes":[{"type":"IVA","rate":"0.16"}]}}]}`
	if got := marshal(t, in); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var back InvoiceInput
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Fatal(err)
	}
	if back.Items[0].Product.ID != "prd_1" || back.Items[1].Product.Inline == nil || back.Items[1].Product.Inline.Price != "100.00" {
		t.Fatalf("round trip: %+v", back)
	}
}

// A product's taxes: nil is the server's default (IVA 16 %), an empty list
// is no taxes, so the two must not encode alike.
func TestProductTaxesNilAndEmptyDiffer(t *testing.T) {
	if got := marshal(t, ProductInput{Description: "x", Price: "1"}); got != `{"description":"x","price":"1","taxes":null}` {
		t.Errorf("nil taxes: %s", got)
	}
	if got := marshal(t, ProductInput{Description: "x", Price: "1", Taxes: []TaxInput{}}); got != `{"description":"x","price":"1","taxes":[]}` {
		t.Errorf("no taxes: %s", got)
	}
}

// A key patch sends only what changes; expires_at null (which removes the
// expiry) only when asked.
func TestAPIKeyPatchJSON(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		p    APIKeyPatch
		want string
	}{
		{APIKeyPatch{}, `{}`},
		{APIKeyPatch{Name: new("n")}, `{"name":"n"}`},
		{APIKeyPatch{ExpiresAt: &at}, `{"expires_at":"2030-01-02T03:04:05Z"}`},
		{APIKeyPatch{ClearExpiresAt: true}, `{"expires_at":null}`},
		{APIKeyPatch{Name: new("n"), ExpiresAt: &at, ClearExpiresAt: true}, `{"expires_at":null,"name":"n"}`},
	} {
		if got := marshal(t, c.p); got != c.want {
			t.Errorf("%+v: got %s, want %s", c.p, got, c.want)
		}
		if got := marshal(t, &c.p); got != c.want {
			t.Errorf("pointer to %+v: got %s, want %s", c.p, got, c.want)
		}
	}
}
