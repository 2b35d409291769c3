package e2e

import (
	"strings"
	"testing"
)

// A proforma is numbered in its own series, is never an invoice (no
// invoice number taken, not in the invoices list, fiscal: false) and
// converts into an invoice once, with its totals.
func TestProformaConvertsOnce(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("proformas@example.com")
	key := tk.live
	client := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	pf := s.must(201, "POST", "/v1/proformas", key, quoteBody(client,
		item(product("250.00", false, iva("0.16")), "4"), item(product("19.99", true), "1")))
	id := pf.str("id")
	if r := s.call("POST", "/v1/proformas/"+id+"/convert", key, map[string]any{"payment_form": "03"}); r.Status != 409 {
		t.Errorf("convert a draft: %d %s, want 409", r.Status, r.Raw)
	}
	issued := s.must(200, "POST", "/v1/proformas/"+id+"/issue", key, nil)
	if issued.str("number") != "PF-1" || issued.Body["fiscal"] != false || issued.str("status") != "issued" {
		t.Fatalf("an issued proforma: %s", issued.Raw)
	}
	if n := len(s.must(200, "GET", "/v1/invoices", key, nil).list()); n != 0 {
		t.Errorf("an issued proforma listed %d invoices", n)
	}
	inv := s.must(201, "POST", "/v1/proformas/"+id+"/convert", key, map[string]any{"payment_form": "03", "issue": true})
	if inv.str("proforma") != id || inv.str("total") != pf.str("total") || inv.str("number") != "A-1" {
		t.Errorf("the invoice (the first of series A, with the proforma's total %s): %s", pf.str("total"), inv.Raw)
	}
	r := s.call("POST", "/v1/proformas/"+id+"/convert", key, map[string]any{"payment_form": "03"})
	if r.Status != 409 || r.str("error", "code") != "invalid_state" {
		t.Errorf("a second conversion: %d %s, want 409 invalid_state", r.Status, r.Raw)
	}
	if r := s.call("POST", "/v1/proformas/"+id+"/cancel", key, nil); r.Status != 409 {
		t.Errorf("cancel a converted proforma: %d %s, want 409", r.Status, r.Raw)
	}
	eventually(t, "the invoice listed", func() bool {
		return len(s.must(200, "GET", "/v1/invoices", key, nil).list()) == 1
	})
	got := s.historyTypes("proformas", id, key)
	if strings.Join(got, ",") != "proforma.created,proforma.issued,proforma.converted" {
		t.Errorf("history %v", got)
	}
	// The next proforma takes the next proforma number; a test-mode one
	// numbers apart.
	next := s.must(201, "POST", "/v1/proformas", key, quoteBody(client, item(product("1.00", false), "1"))).str("id")
	if n := s.must(200, "POST", "/v1/proformas/"+next+"/issue", key, nil).str("number"); n != "PF-2" {
		t.Errorf("the second proforma is %s, want PF-2", n)
	}
	tclient := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	tpf := s.must(201, "POST", "/v1/proformas", tk.test, quoteBody(tclient, item(product("1.00", false), "1"))).str("id")
	if n := s.must(200, "POST", "/v1/proformas/"+tpf+"/issue", tk.test, nil).str("number"); n != "PF-1" {
		t.Errorf("the first test-mode proforma is %s, want PF-1", n)
	}
}
