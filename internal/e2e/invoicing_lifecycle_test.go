package e2e

import (
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestInvoiceLifecycle(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("billing@example.com")
	key := tk.live

	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	pid := s.must(201, "POST", "/v1/products", key, product("100.00", false)).str("id")
	ser := s.must(201, "POST", "/v1/series", key, map[string]any{"code": "F", "prefix": "F-", "next_number": 7})
	if ser.str("code") != "F" || ser.Body["next_number"] != float64(7) {
		t.Fatalf("series %s", ser.Raw)
	}
	dup := s.must(409, "POST", "/v1/series", key, map[string]any{"code": "f"})
	if dup.str("error", "code") != "resource_exists" || dup.str("error", "param") != "code" {
		t.Fatalf("duplicate series code answered %s", dup.Raw)
	}

	inv := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "F", item(pid, "2")))
	iid := inv.str("id")
	if inv.str("status") != "draft" || inv.str("total") != "232.00" || inv.Body["folio_number"] != nil || inv.str("client") != cid {
		t.Fatalf("draft %s", inv.Raw)
	}
	draftAt := inv.str("updated_at")
	s.must(200, "PATCH", "/v1/invoices/"+iid, key, map[string]any{"notes": "Thanks"})

	issued := s.must(200, "POST", "/v1/invoices/"+iid+"/issue", key, nil)
	if issued.str("status") != "valid" || issued.str("number") != "F-7" || folio(issued) != 7 {
		t.Fatalf("issued %s", issued.Raw)
	}
	if n := s.must(200, "GET", "/v1/series/"+ser.str("id"), key, nil).Body["next_number"]; n != float64(8) {
		t.Fatalf("series next_number after issue = %v, want 8", n)
	}
	// The invoice copied the product: editing it changes nothing issued.
	s.must(200, "PATCH", "/v1/products/"+pid, key, map[string]any{"price": "999.00"})
	if got := s.must(200, "GET", "/v1/invoices/"+iid, key, nil).str("total"); got != "232.00" {
		t.Fatalf("total after product edit = %s", got)
	}

	if r := s.must(400, "POST", "/v1/invoices/"+iid+"/send", key, map[string]any{"to": 7}); r.str("error", "param") != "to" {
		t.Fatalf("bad recipients answered %s", r.Raw)
	}
	sent := s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, map[string]any{"to": "ap@acme.example"})
	if ls := sent.Body["last_send"].(map[string]any); ls["skipped"] != false || ls["to"].([]any)[0] != "ap@acme.example" {
		t.Fatalf("live send %s", sent.Raw)
	}
	paid := s.must(200, "POST", "/v1/invoices/"+iid+"/pay", key, nil)
	if paid.str("status") != "paid" || paid.str("paid_total") != "232.00" || paid.str("balance") != "0.00" {
		t.Fatalf("paid %s", paid.Raw)
	}

	// A credit note is numbered in the series and linked both ways.
	note := s.must(201, "POST", "/v1/invoices/"+iid+"/corrective", key, map[string]any{"reason": "Returned goods"})
	if note.str("type") != "E" || note.str("status") != "valid" || note.str("total") != "232.00" ||
		note.str("related", "invoice") != iid || note.str("number") != "F-8" {
		t.Fatalf("credit note %s", note.Raw)
	}
	orig := s.must(200, "GET", "/v1/invoices/"+iid, key, nil)
	if orig.str("corrected_total") != "232.00" || len(orig.Body["credit_notes"].([]any)) != 1 {
		t.Fatalf("original after correction %s", orig.Raw)
	}
	over := s.must(400, "POST", "/v1/invoices/"+iid+"/corrective", key, map[string]any{"reason": "again"})
	if over.str("error", "param") != "items" {
		t.Fatalf("over-correction answered %s", over.Raw)
	}

	voided := s.must(200, "POST", "/v1/invoices/"+iid+"/void", key, map[string]any{"reason": "02"})
	if voided.str("status") != "canceled" || voided.str("cancellation", "reason") != "02" {
		t.Fatalf("voided %s", voided.Raw)
	}

	copyOf := s.must(201, "POST", "/v1/invoices/"+iid+"/duplicate", key, nil)
	if copyOf.str("status") != "draft" || copyOf.str("duplicate_of") != iid || copyOf.str("total") != "232.00" {
		t.Fatalf("duplicate %s", copyOf.Raw)
	}
	s.must(200, "DELETE", "/v1/invoices/"+copyOf.str("id"), key, nil)
	s.must(404, "GET", "/v1/invoices/"+copyOf.str("id"), key, nil)

	// History is the stream; as_of folds a prefix of it.
	want := []string{"invoice.created", "invoice.updated", "invoice.issued", "invoice.sent",
		"invoice.payment_recorded", "invoice.paid", "invoice.corrected", "invoice.voided"}
	// The mailer records the outcome of the send after it, whenever the
	// email went: anywhere after invoice.sent.
	var got []string
	eventually(t, "the outcome of the send", func() bool {
		got = s.historyTypes("invoices", iid, key)
		return slices.Contains(got, "invoice.email_delivered")
	})
	if at := slices.Index(got, "invoice.email_delivered"); at > slices.Index(got, "invoice.sent") {
		got = slices.Delete(got, at, at+1)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v and invoice.email_delivered after invoice.sent", got, want)
	}
	if got := s.historyTypes("invoices", copyOf.str("id"), key); !slices.Equal(got, []string{"invoice.created", "invoice.deleted"}) {
		t.Fatalf("deleted invoice history %v", got)
	}
	then := s.must(200, "GET", "/v1/invoices/"+iid+"?as_of="+url.QueryEscape(draftAt), key, nil)
	if then.str("status") != "draft" || then.str("notes") != "" {
		t.Fatalf("as_of creation: %s", then.Raw)
	}
	before, _ := time.Parse(time.RFC3339Nano, draftAt)
	s.must(404, "GET", "/v1/invoices/"+iid+"?as_of="+url.QueryEscape(before.Add(-time.Second).Format(time.RFC3339Nano)), key, nil)
	s.must(400, "GET", "/v1/invoices/"+iid+"?as_of=yesterday", key, nil)

	// Lists read the projection and filter.
	eventually(t, "invoices listed", func() bool {
		return len(s.must(200, "GET", "/v1/invoices?status=canceled", key, nil).list()) == 1 &&
			len(s.must(200, "GET", "/v1/invoices?limit=100", key, nil).list()) == 2 // original and credit note
	})
	filters := map[string]int{
		"status=valid":      1, // the credit note
		"status=draft":      0,
		"client=" + cid:     2,
		"client=cli_nobody": 0,
		"series=F":          2,
		"series=A":          0,
		"created[gte]=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)): 0,
		"created[lte]=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)): 2,
	}
	for q, n := range filters {
		if got := len(s.must(200, "GET", "/v1/invoices?"+q, key, nil).list()); got != n {
			t.Errorf("GET /v1/invoices?%s: %d invoices, want %d", q, got, n)
		}
	}
	eventually(t, "series listed with its counter", func() bool {
		l := s.must(200, "GET", "/v1/series", key, nil).list()
		return len(l) == 1 && l[0]["next_number"] == float64(9)
	})
}

func TestPartialCorrectionsNeverExceedTheOriginal(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("notes@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	iid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("100.00", false), "2"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+iid+"/issue", key, nil)

	one := map[string]any{"reason": "one returned", "items": []map[string]any{{"line": 0, "quantity": "1"}}}
	for i := range 2 {
		n := s.must(201, "POST", "/v1/invoices/"+iid+"/corrective", key, one)
		if n.str("total") != "116.00" || folio(n) != i+2 {
			t.Fatalf("partial credit note %d: %s", i, n.Raw)
		}
	}
	r := s.must(400, "POST", "/v1/invoices/"+iid+"/corrective", key, one)
	if r.str("error", "code") != "parameter_invalid" || r.str("error", "param") != "items" {
		t.Fatalf("third partial note answered %s", r.Raw)
	}
	s.must(400, "POST", "/v1/invoices/"+iid+"/corrective", key,
		map[string]any{"reason": "too many", "items": []map[string]any{{"line": 0, "quantity": "3"}}})
	if got := s.must(200, "GET", "/v1/invoices/"+iid, key, nil).str("corrected_total"); got != "232.00" {
		t.Fatalf("corrected_total %s", got)
	}
	// The refused notes took no number: the next issue follows on.
	next := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("1.00", false), "1"))).str("id")
	if f := folio(s.must(200, "POST", "/v1/invoices/"+next+"/issue", key, nil)); f != 4 {
		t.Fatalf("folio after refused corrections = %d, want 4", f)
	}
	// Concurrent corrections race on the original's stream: together they
	// never credit more than its total.
	other := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("100.00", false), "2"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+other+"/issue", key, nil)
	const racers = 6
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.call("POST", "/v1/invoices/"+other+"/corrective", key, map[string]any{"reason": "all"}).Status
		}()
	}
	wg.Wait()
	if created := slices.Index(statuses, 201); created < 0 || slices.Index(statuses[created+1:], 201) >= 0 {
		t.Fatalf("concurrent full corrections answered %v, want exactly one 201", statuses)
	}
	if got := s.must(200, "GET", "/v1/invoices/"+other, key, nil).str("corrected_total"); got != "232.00" {
		t.Fatalf("corrected_total after the race %s", got)
	}

	// Test mode has no external effects: sending is recorded as skipped.
	sent := s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, nil)
	if ls := sent.Body["last_send"].(map[string]any); ls["skipped"] != true || ls["reason"] != "test_mode" {
		t.Fatalf("test-mode send %s", sent.Raw)
	}
}
