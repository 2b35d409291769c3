package e2e

import (
	"fmt"
	"testing"
)

// The country is chosen when the organization is created, shown on it,
// and never changed: a patch naming it is refused and changes nothing.
func TestOrganizationCountry(t *testing.T) {
	s := startSystem(t)
	mx := s.newTenant("mx@example.com")
	if got := s.must(200, "GET", "/v1/organizations/"+mx.orgID, mx.userKey, nil).str("country"); got != "MX" {
		t.Errorf("default country: got %q, want MX", got)
	}
	es := s.newTenantIn("ES", "es@example.com")
	path := "/v1/organizations/" + es.orgID
	if got := s.must(200, "GET", path, es.userKey, nil).str("country"); got != "ES" {
		t.Errorf("country: got %q, want ES", got)
	}
	r := s.must(400, "PATCH", path, es.userKey, map[string]any{"country": "MX"})
	if p := r.str("error", "param"); p != "country" {
		t.Errorf("patching the country: param %q, want country (%s)", p, r.Raw)
	}
	if got := s.must(200, "GET", path, es.userKey, nil).str("country"); got != "ES" {
		t.Errorf("after the refused patch: country %q, want ES", got)
	}
	u := s.must(201, "POST", "/v1/users", testAdminKey, map[string]any{"email": "fr@example.com", "name": "F"})
	r = s.must(400, "POST", "/v1/organizations", u.str("secret_key"), map[string]any{"name": "F", "country": "FR"})
	if p := r.str("error", "param"); p != "country" {
		t.Errorf("country FR: param %q, want country", p)
	}
}

func esTax(typ, rate string) map[string]any { return map[string]any{"type": typ, "rate": rate} }

// esInvoiceBody is an ES invoice paid by transfer (Facturae means 04).
func esInvoiceBody(client string, items ...map[string]any) map[string]any {
	b := map[string]any{"items": items, "payment_form": "04"}
	if client != "" {
		b["client"] = client
	}
	return b
}

// The Spanish totals table of docs/spain.md, through the API (the same
// cases as invoicing.TestSpanishTotals).
func TestSpanishTotalsThroughTheAPI(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenantIn("ES", "es-totals@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, map[string]any{"legal_name": "Cliente SL", "tax_id": "B12345674"}).str("id")
	cases := []struct {
		name                                   string
		items                                  []map[string]any
		subtotal, transferred, withheld, total string
	}{
		{"2 x 100.00, IVA 21 %", []map[string]any{item(product("100.00", false, esTax("IVA", "0.21")), "2")}, "200.00", "42.00", "0.00", "242.00"},
		{"IVA 21 % + recargo 5.2 %", []map[string]any{item(product("100.00", false, esTax("IVA", "0.21"), esTax("RE", "0.052")), "1")}, "100.00", "26.20", "0.00", "126.20"},
		{"IVA 10 % + recargo 1.4 %", []map[string]any{item(product("100.00", false, esTax("IVA", "0.10"), esTax("RE", "0.014")), "1")}, "100.00", "11.40", "0.00", "111.40"},
		{"IVA 4 % + recargo 0.5 %", []map[string]any{item(product("100.00", false, esTax("IVA", "0.04"), esTax("RE", "0.005")), "1")}, "100.00", "4.50", "0.00", "104.50"},
		{"IRPF 15 % withheld", []map[string]any{item(product("1000.00", false, esTax("IVA", "0.21"), esTax("IRPF", "0.15")), "1")}, "1000.00", "210.00", "150.00", "1060.00"},
		{"IRPF 7 % withheld", []map[string]any{item(product("1000.00", false, esTax("IVA", "0.21"), esTax("IRPF", "0.07")), "1")}, "1000.00", "210.00", "70.00", "1140.00"},
		{"IVA per rate, not per line", []map[string]any{item(product("1.25", false, esTax("IVA", "0.10")), "1"), item(product("1.25", false, esTax("IVA", "0.10")), "1")}, "2.50", "0.25", "0.00", "2.75"},
		{"121.00 IVA included", []map[string]any{item(product("121.00", true, esTax("IVA", "0.21")), "1")}, "100.00", "21.00", "0.00", "121.00"},
		{"default IVA 21 %", []map[string]any{item(product("10.00", false), "3")}, "30.00", "6.30", "0.00", "36.30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.must(201, "POST", "/v1/invoices", key, esInvoiceBody(cid, c.items...))
			got := fmt.Sprint(r.str("subtotal"), " ", r.str("total_transferred"), " ", r.str("total_withheld"), " ", r.str("total"))
			want := fmt.Sprint(c.subtotal, " ", c.transferred, " ", c.withheld, " ", c.total)
			if got != want || r.str("kind") != "F1" || r.str("currency") != "EUR" {
				t.Errorf("subtotal transferred withheld total = %s (kind %s, %s), want %s F1 EUR\n%s", got, r.str("kind"), r.str("currency"), want, r.Raw)
			}
		})
	}
}

// An ES organization issues, rectifies (by differences and by
// substitution) and voids invoices with Spanish tax ids, rates and recargo;
// each refusal is a 4xx that changes nothing.
func TestSpanishInvoiceLifecycle(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenantIn("ES", "es-life@example.com")
	key := tk.live
	cid := s.must(201, "POST", "/v1/clients", key, map[string]any{"legal_name": "Tienda SL", "tax_id": "B12345674"}).str("id")
	pid := s.must(201, "POST", "/v1/products", key, map[string]any{"description": "Caja", "price": "100.00", "tax_included": false,
		"taxes": []map[string]any{esTax("IVA", "0.21"), esTax("RE", "0.052")}}).str("id")
	issue := func(body map[string]any) response {
		id := s.must(201, "POST", "/v1/invoices", key, body).str("id")
		return s.must(200, "POST", "/v1/invoices/"+id+"/issue", key, nil)
	}
	inv := issue(esInvoiceBody(cid, item(pid, "2")))
	if inv.str("number") != "A-1" || inv.str("total") != "252.40" {
		t.Fatalf("issued %s total %s, want A-1 252.40", inv.str("number"), inv.str("total"))
	}
	// By differences: R1, in series R, credits one box.
	r1 := s.must(201, "POST", "/v1/invoices/"+inv.str("id")+"/corrective", key,
		map[string]any{"reason": "Devolución de una caja", "items": []map[string]any{{"line": 0, "quantity": "1"}}})
	if r1.str("kind") != "R1" || r1.str("number") != "R-1" || r1.str("total") != "126.20" || r1.str("rectification", "method") != "I" {
		t.Errorf("rectifying invoice %s %s total %s method %s, want R1 R-1 126.20 I", r1.str("kind"), r1.str("number"), r1.str("total"), r1.str("rectification", "method"))
	}
	if got := s.must(200, "GET", "/v1/invoices/"+inv.str("id"), key, nil).str("balance"); got != "126.20" {
		t.Errorf("balance after the rectification %s, want 126.20", got)
	}
	// By substitution: the original is voided in favour of the R4.
	inv2 := issue(esInvoiceBody(cid, item(pid, "2")))
	r4 := s.must(201, "POST", "/v1/invoices/"+inv2.str("id")+"/corrective", key,
		map[string]any{"reason": "Precio mal aplicado", "kind": "R4", "method": "S", "items": []map[string]any{{"line": 0, "quantity": "1"}}})
	if r4.str("kind") != "R4" || r4.str("type") != "I" || r4.str("total") != "126.20" || r4.str("rectification", "base") != "200.00" {
		t.Errorf("substitution %s %s total %s base %s, want R4 I 126.20 restating 200.00", r4.str("kind"), r4.str("type"), r4.str("total"), r4.str("rectification", "base"))
	}
	orig := s.must(200, "GET", "/v1/invoices/"+inv2.str("id"), key, nil)
	if orig.str("status") != "canceled" || orig.str("cancellation", "substitution") != r4.str("id") {
		t.Errorf("original %s substituted by %s, want canceled by %s", orig.str("status"), orig.str("cancellation", "substitution"), r4.str("id"))
	}
	// A simplified invoice without a client, rectified with R5.
	f2 := issue(map[string]any{"kind": "F2", "payment_form": "01", "items": []map[string]any{item(product("10.00", true), "1")}})
	if f2.str("number") != "S-1" || f2.str("client") != "" {
		t.Errorf("ticket %s client %q, want S-1 without client", f2.str("number"), f2.str("client"))
	}
	if got := s.must(201, "POST", "/v1/invoices/"+f2.str("id")+"/corrective", key, map[string]any{"reason": "Devolución"}).str("kind"); got != "R5" {
		t.Errorf("rectifying a ticket: kind %s, want R5", got)
	}
	// Voiding: 02 only, 01 is refused.
	s.must(400, "POST", "/v1/invoices/"+inv.str("id")+"/void", key, map[string]any{"reason": "01", "substitution": r4.str("id")})
	if got := s.must(200, "POST", "/v1/invoices/"+inv.str("id")+"/void", key, map[string]any{"reason": "02"}).str("status"); got != "canceled" {
		t.Errorf("voided: %s", got)
	}
}

// Each Spanish rule refuses with a clear 4xx on its field and records
// nothing; Mexican documents are refused to an ES organization, and
// Spanish tax ids to an MX one.
func TestSpanishRulesThroughTheAPI(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenantIn("ES", "es-rules@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, map[string]any{"legal_name": "Cliente SL", "tax_id": "12345678Z"}).str("id")
	s.must(201, "POST", "/v1/clients", key, map[string]any{"legal_name": "Kunde GmbH", "tax_id": "DE123456789"})
	refusals := []struct {
		path  string
		body  map[string]any
		code  string
		param string
	}{
		{"/v1/clients", map[string]any{"legal_name": "X", "tax_id": "B12345675"}, "parameter_invalid", "tax_id"},
		{"/v1/clients", map[string]any{"legal_name": "X", "tax_id": "AAA010101AAA"}, "parameter_invalid", "tax_id"},
		{"/v1/products", map[string]any{"description": "X", "price": "1", "taxes": []map[string]any{esTax("IVA", "0.16")}}, "parameter_invalid", "taxes[0].rate"},
		{"/v1/products", map[string]any{"description": "X", "price": "1", "taxes": []map[string]any{esTax("IVA", "0.10"), esTax("RE", "0.052")}}, "parameter_invalid", "taxes[1].rate"},
		{"/v1/invoices", esInvoiceBody("", item(product("1.00", false), "1")), "parameter_missing", "client"},
		{"/v1/invoices", map[string]any{"kind": "F2", "payment_form": "01", "items": []map[string]any{item(product("400.00", false), "1")}}, "parameter_invalid", "kind"},
		{"/v1/invoices", map[string]any{"client": cid, "use": "G03", "payment_form": "04", "items": []map[string]any{item(product("1.00", false), "1")}}, "parameter_invalid", "use"},
		{"/v1/receipts", map[string]any{"payment_form": "01", "items": []map[string]any{item(product("1.00", false), "1")}}, "country_unsupported", ""},
	}
	for _, c := range refusals {
		r := s.call("POST", c.path, key, c.body)
		if r.Status/100 != 4 || r.str("error", "code") != c.code || r.str("error", "param") != c.param {
			t.Errorf("POST %s %v: %d %s on %q, want %s on %q", c.path, c.body, r.Status, r.str("error", "code"), r.str("error", "param"), c.code, c.param)
		}
	}
	eventually(t, "the two clients listed, and no other", func() bool {
		return len(s.must(200, "GET", "/v1/clients", key, nil).list()) == 2
	})
	mx := s.newTenant("mx-rules@example.com")
	if r := s.call("POST", "/v1/clients", mx.test, map[string]any{"legal_name": "X", "tax_id": "B12345674"}); r.Status != 400 {
		t.Errorf("a NIF in an MX organization: %d, want 400", r.Status)
	}
}
