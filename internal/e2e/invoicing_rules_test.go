package e2e

import (
	"fmt"
	"testing"
)

// Every transition the status forbids answers 409 invalid_state and appends
// nothing; a refused issue takes no number.
func TestForbiddenInvoiceTransitions(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("states@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	newDraft := func() string {
		return s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("100.00", false), "2"))).str("id")
	}
	issue := func(id string) { s.must(200, "POST", "/v1/invoices/"+id+"/issue", key, nil) }

	draft := newDraft()
	valid := newDraft()
	issue(valid)
	paid := newDraft()
	issue(paid)
	s.must(200, "POST", "/v1/invoices/"+paid+"/pay", key, nil)
	canceled := newDraft()
	issue(canceled)
	s.must(200, "POST", "/v1/invoices/"+canceled+"/void", key, map[string]any{"reason": "03"})
	creditNote := s.must(201, "POST", "/v1/invoices/"+valid+"/corrective", key,
		map[string]any{"reason": "r", "items": []map[string]any{{"line": 0, "quantity": "1"}}}).str("id")

	type action struct {
		method, path string
		body         any
	}
	patch := action{"PATCH", "", map[string]any{"notes": "x"}}
	del := action{"DELETE", "", nil}
	iss := action{"POST", "/issue", nil}
	pay := action{"POST", "/pay", nil}
	void := action{"POST", "/void", map[string]any{"reason": "02"}}
	send := action{"POST", "/send", nil}
	correct := action{"POST", "/corrective", map[string]any{"reason": "r"}}
	duplicate := action{"POST", "/duplicate", nil}

	forbidden := map[string][]action{
		draft:      {pay, void, send, correct},
		valid:      {patch, del, iss},
		paid:       {patch, del, iss, pay},
		canceled:   {patch, del, iss, pay, void, send, correct},
		creditNote: {patch, del, iss, pay, correct, duplicate},
	}
	for objID, actions := range forbidden {
		before := len(s.historyTypes("invoices", objID, key))
		for _, a := range actions {
			r := s.call(a.method, "/v1/invoices/"+objID+a.path, key, a.body)
			if r.Status != 409 || r.str("error", "code") != "invalid_state" {
				t.Errorf("%s %s on %s: %d %s, want 409 invalid_state", a.method, a.path, objID, r.Status, r.Raw)
			}
		}
		if after := len(s.historyTypes("invoices", objID, key)); after != before {
			t.Errorf("refused transitions on %s appended %d events", objID, after-before)
		}
	}
	// Numbers 1..4 went to valid, paid, canceled and the credit note.
	if f := folio(s.must(200, "POST", "/v1/invoices/"+draft+"/issue", key, nil)); f != 5 {
		t.Fatalf("folio after refused issues = %d, want 5", f)
	}

	// Receipts and retentions refuse the same way.
	rc := s.must(201, "POST", "/v1/receipts", key, map[string]any{"items": []any{item(product("10.00", true), "1")}, "payment_form": "01"}).str("id")
	s.must(200, "POST", "/v1/receipts/"+rc+"/cancel", key, nil)
	for _, p := range []string{"/cancel", "/invoice"} {
		r := s.call("POST", "/v1/receipts/"+rc+p, key, map[string]any{"client": cid})
		if p == "/cancel" {
			r = s.call("POST", "/v1/receipts/"+rc+p, key, nil)
		}
		if r.Status != 409 || r.str("error", "code") != "invalid_state" {
			t.Errorf("receipt %s after cancel: %d %s", p, r.Status, r.Raw)
		}
	}
	if h := s.historyTypes("receipts", rc, key); len(h) != 2 {
		t.Errorf("canceled receipt history %v", h)
	}
}

// The totals table of docs/invoicing.md, through the API.
func TestInvoiceTotalsThroughTheAPI(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("totals@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")

	cases := []struct {
		name                                             string
		items                                            []map[string]any
		subtotal, discount, transferred, withheld, total string
	}{
		{"2 x 100.00, IVA 16 %", []map[string]any{item(product("100.00", false, iva("0.16")), "2")},
			"200.00", "0.00", "32.00", "0.00", "232.00"},
		{"same, ISR 10 % withheld", []map[string]any{item(product("100.00", false, iva("0.16"), withheld("ISR", "0.10")), "2")},
			"200.00", "0.00", "32.00", "20.00", "212.00"},
		{"116.00 IVA included", []map[string]any{item(product("116.00", true, iva("0.16")), "1")},
			"100.00", "0.00", "16.00", "0.00", "116.00"},
		{"7 x 10.00 IVA included", []map[string]any{item(product("10.00", true), "7")},
			"60.34", "0.00", "9.65", "0.00", "69.99"},
		{"discount 50", []map[string]any{{"product": product("100.00", false), "quantity": "2", "discount": "50"}},
			"200.00", "50.00", "24.00", "0.00", "174.00"},
		{"IVA and ISR withheld on fees", []map[string]any{item(product("1000.00", false, iva("0.16"), withheld("IVA", "0.106667"), withheld("ISR", "0.10")), "1")},
			"1000.00", "0.00", "160.00", "206.67", "953.33"},
		{"two lines", []map[string]any{item(product("0.333333", false), "3"), item(product("1.005", false, iva("0")), "1")},
			"2.01", "0.00", "0.16", "0.00", "2.17"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", c.items...))
			got := fmt.Sprint(r.str("subtotal"), " ", r.str("discount"), " ", r.str("total_transferred"), " ", r.str("total_withheld"), " ", r.str("total"))
			want := fmt.Sprint(c.subtotal, " ", c.discount, " ", c.transferred, " ", c.withheld, " ", c.total)
			if got != want {
				t.Errorf("subtotal discount transferred withheld total = %s, want %s\n%s", got, want, r.Raw)
			}
		})
	}
}
