package e2e

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

func receiptBody(price string, qty string) map[string]any {
	return map[string]any{"items": []any{item(product(price, true), qty)}, "payment_form": "01"}
}

func TestReceiptsToCustomerAndGlobalInvoices(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("shop@example.com")
	key := tk.live
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	start := time.Now().Add(-time.Minute)

	first := s.must(201, "POST", "/v1/receipts", key, receiptBody("116.00", "2"))
	if first.str("status") != "open" || first.str("total") != "232.00" || first.Body["invoice"] != nil {
		t.Fatalf("receipt %s", first.Raw)
	}
	r1 := first.str("id")
	r2 := s.must(201, "POST", "/v1/receipts", key, receiptBody("58.00", "1")).str("id")
	r3 := s.must(201, "POST", "/v1/receipts", key, receiptBody("11.60", "5")).str("id")
	r4 := s.must(201, "POST", "/v1/receipts", key, receiptBody("1.00", "1")).str("id")

	// To its customer: a draft invoice with the receipt's amounts.
	missing := s.must(400, "POST", "/v1/receipts/"+r1+"/invoice", key, nil)
	if missing.str("error", "param") != "client" {
		t.Fatalf("invoice without client answered %s", missing.Raw)
	}
	inv := s.must(201, "POST", "/v1/receipts/"+r1+"/invoice", key, map[string]any{"client": cid})
	if inv.str("client") != cid || inv.str("status") != "draft" || inv.str("total") != "232.00" || inv.str("payment_form") != "01" {
		t.Fatalf("invoice from receipt %s", inv.Raw)
	}
	got := s.must(200, "GET", "/v1/receipts/"+r1, key, nil)
	if got.str("status") != "invoiced_to_customer" || got.str("invoice") != inv.str("id") {
		t.Fatalf("receipt after invoicing %s", got.Raw)
	}
	s.must(409, "POST", "/v1/receipts/"+r1+"/invoice", key, map[string]any{"client": cid})
	s.must(200, "POST", "/v1/receipts/"+r4+"/cancel", key, nil)

	// Globally: the open receipts of the period (r2, r3) in one invoice.
	eventually(t, "open receipts listed", func() bool {
		l := s.must(200, "GET", "/v1/receipts?status=open", key, nil).list()
		return len(l) == 2 && l[0]["id"] == r3 && l[1]["id"] == r2
	})
	period := map[string]any{"periodicity": "day", "from": start.Format(time.RFC3339), "to": time.Now().Add(time.Minute).Format(time.RFC3339)}
	s.must(400, "POST", "/v1/receipts/global_invoice", key, map[string]any{"periodicity": "century", "from": period["from"], "to": period["to"]})
	global := s.must(201, "POST", "/v1/receipts/global_invoice", key, period)
	if global.str("client_details", "tax_id") != "XAXX010101000" || global.str("total") != "116.00" ||
		global.str("global", "periodicity") != "day" || len(global.Body["items"].([]any)) != 2 {
		t.Fatalf("global invoice %s", global.Raw)
	}
	for _, rc := range []string{r2, r3} {
		if r := s.must(200, "GET", "/v1/receipts/"+rc, key, nil); r.str("status") != "invoiced_globally" || r.str("invoice") != global.str("id") {
			t.Fatalf("receipt %s after global invoice: %s", rc, r.Raw)
		}
	}
	if f := folio(s.must(200, "POST", "/v1/invoices/"+global.str("id")+"/issue", key, nil)); f != 1 {
		t.Fatalf("global invoice folio %d", f)
	}
	eventually(t, "no open receipts", func() bool {
		return len(s.must(200, "GET", "/v1/receipts?status=open", key, nil).list()) == 0
	})
	none := s.must(400, "POST", "/v1/receipts/global_invoice", key, period)
	if none.str("error", "param") != "receipts" {
		t.Fatalf("empty period answered %s", none.Raw)
	}
	want := []string{"receipt.created", "receipt.invoiced"}
	if h := s.historyTypes("receipts", r2, key); !slices.Equal(h, want) {
		t.Fatalf("receipt history %v", h)
	}
}

func TestRetentionCertificates(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("ret@example.com")
	key := tk.live
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	body := map[string]any{
		"client": cid,
		"period": map[string]any{"from_month": 1, "to_month": 3, "year": 2025},
		"concepts": []any{map[string]any{"description": "Professional fees", "amount": "1000.00",
			"taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}, map[string]any{"type": "IVA", "rate": "0.106667"}}}},
	}
	r := s.must(201, "POST", "/v1/retentions", key, body)
	rid := r.str("id")
	if r.str("status") != "draft" || r.str("total_withheld") != "206.67" || r.str("total") != "793.33" || r.str("client") != cid {
		t.Fatalf("retention %s", r.Raw)
	}
	if r := s.must(200, "POST", "/v1/retentions/"+rid+"/issue", key, nil); r.str("status") != "valid" || r.str("issued_at") == "" {
		t.Fatalf("issued retention %s", r.Raw)
	}
	s.must(409, "POST", "/v1/retentions/"+rid+"/issue", key, nil)
	s.must(200, "POST", "/v1/retentions/"+rid+"/cancel", key, nil)
	for _, p := range []string{"/issue", "/cancel"} {
		if r := s.must(409, "POST", "/v1/retentions/"+rid+p, key, nil); r.str("error", "code") != "invalid_state" {
			t.Fatalf("%s on canceled retention: %s", p, r.Raw)
		}
	}
	if h := s.historyTypes("retentions", rid, key); !slices.Equal(h, []string{"retention.created", "retention.issued", "retention.canceled"}) {
		t.Fatalf("retention history %v", h)
	}
	bad := body
	bad["period"] = map[string]any{"from_month": 4, "to_month": 3, "year": 2025}
	if r := s.must(400, "POST", "/v1/retentions", key, bad); r.str("error", "param") != "period.to_month" {
		t.Fatalf("bad period answered %s", r.Raw)
	}
	eventually(t, "retention listed", func() bool {
		l := s.must(200, "GET", "/v1/retentions?client="+url.QueryEscape(cid), key, nil).list()
		return len(l) == 1 && l[0]["status"] == "canceled"
	})
}

// Another organization, or the other mode of the same one, sees none of an
// organization's invoicing objects and cannot use its clients or products.
func TestInvoicingTenantsAndModesNeverMix(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("owner@example.com")
	b := s.newTenant("intruder@example.com")
	key := a.live

	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	pid := s.must(201, "POST", "/v1/products", key, product("10.00", false)).str("id")
	sid := s.must(201, "POST", "/v1/series", key, map[string]any{"code": "Z"}).str("id")
	iid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "Z", item(pid, "1"))).str("id")
	rid := s.must(201, "POST", "/v1/receipts", key, receiptBody("10.00", "1")).str("id")
	tid := s.must(201, "POST", "/v1/retentions", key, map[string]any{"client": cid,
		"period":   map[string]any{"from_month": 1, "to_month": 1, "year": 2025},
		"concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}},
	}).str("id")
	objects := map[string]string{"clients": cid, "products": pid, "series": sid, "invoices": iid, "receipts": rid, "retentions": tid}

	eventually(t, "owner's lists", func() bool {
		for plural := range objects {
			if len(s.must(200, "GET", "/v1/"+plural, key, nil).list()) != 1 {
				return false
			}
		}
		return true
	})
	for _, other := range []string{a.test, b.live, b.test} {
		for plural, objID := range objects {
			for _, path := range []string{"/v1/" + plural + "/" + objID, "/v1/" + plural + "/" + objID + "/history"} {
				if r := s.call("GET", path, other, nil); r.Status != 404 || r.str("error", "code") != "resource_missing" {
					t.Errorf("foreign GET %s: %d %s", path, r.Status, r.Raw)
				}
			}
			if l := s.must(200, "GET", "/v1/"+plural, other, nil).list(); len(l) != 0 {
				t.Errorf("foreign list of %s shows %v", plural, l)
			}
		}
		for _, p := range []string{"/v1/invoices/" + iid + "/issue", "/v1/receipts/" + rid + "/cancel", "/v1/retentions/" + tid + "/issue"} {
			s.must(404, "POST", p, other, nil)
		}
		s.must(404, "PATCH", "/v1/series/"+sid, other, map[string]any{"prefix": "X"})
		s.must(404, "DELETE", "/v1/invoices/"+iid, other, nil)

		// Foreign ids in a request body are unknown ids, named by param.
		r := s.must(404, "POST", "/v1/invoices", other, invoiceBody(cid, "", item(product("1.00", false), "1")))
		if r.str("error", "param") != "client" {
			t.Errorf("foreign client answered %s", r.Raw)
		}
		own := s.must(201, "POST", "/v1/clients", other, acme).str("id")
		r = s.must(404, "POST", "/v1/invoices", other, invoiceBody(own, "", item(pid, "1")))
		if r.str("error", "param") != "items[0].product" {
			t.Errorf("foreign product answered %s", r.Raw)
		}
		s.must(404, "POST", "/v1/receipts/"+rid+"/invoice", other, map[string]any{"client": own})
	}
	// An id of another kind is not found either, never an internal error.
	s.must(404, "GET", "/v1/invoices/"+rid, key, nil)
	s.must(404, "GET", "/v1/receipts/"+iid+"/history", key, nil)
	// Nothing the others tried touched the owner's objects.
	if h := s.historyTypes("invoices", iid, key); len(h) != 1 {
		t.Fatalf("owner's invoice history %v", h)
	}
}
