package e2e

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
)

// quoteBody is a quote request for client with the given items.
func quoteBody(client string, items ...map[string]any) map[string]any {
	return map[string]any{"client": client, "items": items}
}

// A quote accepted through its public link, without a key, and converted
// gives an invoice whose totals are the quote's, linked both ways; a
// second conversion is refused (409) and leaves one invoice. The
// acceptance records the client's IP and time.
func TestQuoteAcceptedThroughItsLinkConvertsOnce(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("quotes@example.com")
	key := tk.live
	client := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	q := s.must(201, "POST", "/v1/quotes", key, quoteBody(client,
		item(product("99.99", false, iva("0.16"), withheld("ISR", "0.10")), "3"),
		map[string]any{"product": product("1234.567", true), "quantity": "2.5", "discount": "10.00"}))
	if q.str("status") != "draft" || q.Body["public_url"] != nil {
		t.Fatalf("a new quote: %s", q.Raw)
	}
	qid := q.str("id")
	sent := s.must(200, "POST", "/v1/quotes/"+qid+"/send", key, nil)
	link := sent.str("public_url")
	if sent.str("status") != "sent" || sent.str("number") != "Q-1" || !strings.HasPrefix(link, "/public/quotes/") {
		t.Fatalf("a sent quote: %s", sent.Raw)
	}

	pub := s.must(200, "GET", link, "", nil)
	if pub.str("number") != "Q-1" || pub.str("total") != q.str("total") || strings.Contains(string(pub.Raw), qid) {
		t.Errorf("the public view: %s", pub.Raw)
	}
	// Converting before the client answers is refused.
	if r := s.call("POST", "/v1/quotes/"+qid+"/convert", key, map[string]any{"payment_form": "03"}); r.Status != 409 {
		t.Errorf("convert a sent quote: %d %s, want 409", r.Status, r.Raw)
	}
	before := time.Now().Add(-time.Second)
	s.must(200, "POST", link+"/accept", "", nil)
	got := s.must(200, "GET", "/v1/quotes/"+qid, key, nil)
	at, _ := time.Parse(time.RFC3339Nano, got.str("answer", "at"))
	if got.str("status") != "accepted" || got.str("answer", "via") != "public_link" || got.str("answer", "ip") != "127.0.0.1" || at.Before(before) {
		t.Errorf("accepted through the link: %s", got.Raw)
	}
	if r := s.call("POST", link+"/reject", "", nil); r.Status != 409 {
		t.Errorf("reject an accepted quote: %d %s, want 409", r.Status, r.Raw)
	}

	inv := s.must(201, "POST", "/v1/quotes/"+qid+"/convert", key, map[string]any{"payment_form": "03", "issue": true})
	for _, f := range []string{"subtotal", "discount", "total", "total_transferred_taxes", "total_withheld_taxes"} {
		if inv.str(f) != q.str(f) {
			t.Errorf("invoice %s %q, quote's %q", f, inv.str(f), q.str(f))
		}
	}
	if inv.str("quote") != qid || inv.str("status") != "valid" {
		t.Errorf("the invoice: %s", inv.Raw)
	}
	if got := s.must(200, "GET", "/v1/quotes/"+qid, key, nil); got.str("invoice") != inv.str("id") || got.str("status") != "converted" {
		t.Errorf("the converted quote: %s", got.Raw)
	}
	r := s.call("POST", "/v1/quotes/"+qid+"/convert", key, map[string]any{"payment_form": "03"})
	if r.Status != 409 || r.str("error", "code") != "invalid_state" {
		t.Errorf("a second conversion: %d %s, want 409 invalid_state", r.Status, r.Raw)
	}
	eventually(t, "the invoice listed", func() bool {
		return len(s.must(200, "GET", "/v1/invoices", key, nil).list()) == 1
	})
	if n := len(s.must(200, "GET", "/v1/invoices", key, nil).list()); n != 1 {
		t.Errorf("%d invoices, want 1", n)
	}
	want := []string{"quote.created", "quote.sent", "quote.accepted", "quote.converted"}
	if got := transitions(s.historyTypes("quotes", qid, key)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("history %v, want %v", got, want)
	}
}

// Wrong and expired links answer 404 and 410 and change nothing; a link
// works in its own mode only through its token, and quotes number apart
// per mode.
func TestQuoteLinksRefuseWrongAndExpiredTokens(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("quotelinks@example.com")
	client := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	expires := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	q := s.must(201, "POST", "/v1/quotes", tk.test, map[string]any{"client": client, "expires_at": expires,
		"items": []any{item(product("10.00", false), "1")}})
	sent := s.must(200, "POST", "/v1/quotes/"+q.str("id")+"/send", tk.test, nil)
	if sent.str("number") != "Q-1" || sent.Body["livemode"] != false {
		t.Fatalf("a test-mode quote: %s", sent.Raw)
	}
	link := sent.str("public_url")
	wrong := "/public/quotes/" + strings.Repeat("A", 52)
	for _, path := range []string{wrong, wrong + "/accept", "/public/quotes/short/accept"} {
		method := "POST"
		if !strings.HasSuffix(path, "/accept") {
			method = "GET"
		}
		if r := s.call(method, path, "", nil); r.Status != 404 || r.str("error", "code") != "resource_missing" {
			t.Errorf("%s %s: %d %s, want 404", method, path, r.Status, r.Raw)
		}
	}
	eventually(t, "the link to expire", func() bool { return s.call("GET", link, "", nil).Status == 410 })
	r := s.call("POST", link+"/accept", "", nil)
	if r.Status != 410 || r.str("error", "code") != "link_expired" {
		t.Errorf("accept through an expired link: %d %s, want 410 link_expired", r.Status, r.Raw)
	}
	if got := s.historyTypes("quotes", q.str("id"), tk.test); len(got) != 2 && !(len(got) == 3 && got[2] == "quote.expired") {
		t.Errorf("after refused answers, history %v", got)
	}
}

// The worker, not the reader, expires a sent quote once its expires_at
// has passed on the worker's clock (injected: the test moves it forward);
// a quote answered before its expiry is left alone.
func TestWorkerExpiresDueQuotes(t *testing.T) {
	var skew atomic.Int64
	s := startSystemWith(t, func(c *app.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	tk := s.newTenant("quoteexpiry@example.com")
	key := tk.live
	client := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	newSent := func() string {
		id := s.must(201, "POST", "/v1/quotes", key, map[string]any{"client": client, "expires_at": expires,
			"items": []any{item(product("10.00", false), "1")}}).str("id")
		s.must(200, "POST", "/v1/quotes/"+id+"/send", key, nil)
		return id
	}
	due, answered := newSent(), newSent()
	s.must(200, "POST", "/v1/quotes/"+answered+"/reject", key, map[string]any{"reason": "no"})
	time.Sleep(1200 * time.Millisecond) // a pass of the expirer with the real clock
	if st := s.must(200, "GET", "/v1/quotes/"+due, key, nil).str("status"); st != "sent" {
		t.Fatalf("before its expires_at the quote is %s", st)
	}
	skew.Store(int64(2 * time.Hour))
	eventually(t, "the quote to expire", func() bool {
		return s.must(200, "GET", "/v1/quotes/"+due, key, nil).str("status") == "expired"
	})
	if got := transitions(s.historyTypes("quotes", answered, key)); strings.Join(got, ",") != "quote.created,quote.sent,quote.rejected" {
		t.Errorf("an answered quote's history: %v", got)
	}
	if r := s.call("POST", "/v1/quotes/"+due+"/accept", key, nil); r.Status != 409 {
		t.Errorf("accept an expired quote: %d %s, want 409", r.Status, r.Raw)
	}
	if got := transitions(s.historyTypes("quotes", due, key)); strings.Join(got, ",") != "quote.created,quote.sent,quote.expired" {
		t.Errorf("the expired quote's history: %v", got)
	}
}

// transitions leaves out the mailer's outcomes, which come whenever the
// mailer gets to them.
func transitions(types []string) []string {
	var out []string
	for _, t := range types {
		if !strings.Contains(t, ".email_") {
			out = append(out, t)
		}
	}
	return out
}
