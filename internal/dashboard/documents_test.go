package dashboard_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

var invoiceRow = regexp.MustCompile(`/invoices/(inv_[0-9A-Z]+)"`)

// Invoices list from the documents projection, filtered by status, and
// each invoice's page shows it folded from its stream with its history;
// another user's invoice is not found.
func TestInvoicesListAndHistory(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("i@example.com", "Invoices Co")
	other := sys.NewUser("j@example.com", "Stranger")
	var key struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &key)
	var client struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/clients", key.Secret, map[string]any{"legal_name": "Cliente Uno", "tax_id": "XAXX010101000"}, http.StatusCreated, &client)
	body := map[string]any{"client": client.ID, "payment_form": "03", "items": []any{map[string]any{"quantity": "2",
		"product": map[string]any{"description": "Consulting hour", "price": "100.00", "tax_included": false,
			"taxes": []any{map[string]any{"type": "IVA", "rate": "0.16"}}}}}}
	var draft, issued struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/invoices", key.Secret, body, http.StatusCreated, &draft)
	sys.Call("POST", "/v1/invoices", key.Secret, body, http.StatusCreated, &issued)
	sys.Call("POST", "/v1/invoices/"+issued.ID+"/issue", key.Secret, nil, http.StatusOK, nil)

	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test/invoices"
	var valid answer
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if valid = v.get(base + "?status=valid"); strings.Contains(valid.body, issued.ID) {
			break
		}
	}
	if rows := listed(valid.body); len(rows) != 1 || rows[0] != issued.ID {
		t.Fatalf("status=valid lists %v, want only %s", rows, issued.ID)
	}
	if !strings.Contains(valid.body, "Cliente Uno") || !strings.Contains(valid.body, "232.00") {
		t.Errorf("the list lacks the client or the total: %.800s", valid.body)
	}
	if byClient := v.get(base + "?client=" + client.ID + "&series=A"); len(listed(byClient.body)) != 2 {
		t.Errorf("client=%s&series=A lists %v, want both", client.ID, listed(byClient.body))
	}
	for _, q := range []string{"?client=cli_01M8NAAYJ918DDN5PFGGTQ8T3K", "?series=B", "?to=2000-01-01T00:00", "?from=2999-01-01T00:00"} {
		if got := listed(v.get(base + q).body); len(got) != 0 {
			t.Errorf("%s lists %v, want none", q, got)
		}
	}
	if a := v.get(base + "?from=soon"); a.status != http.StatusBadRequest || !strings.Contains(a.body, "from must be") {
		t.Errorf("from=soon: %d, want 400 saying why", a.status)
	}
	drafts := v.get(base + "?status=draft")
	if !strings.Contains(drafts.body, draft.ID) || strings.Contains(drafts.body, issued.ID) {
		t.Errorf("status=draft does not list only the draft")
	}
	page := v.get(base + "/" + issued.ID)
	wantStatus(t, "an invoice", page, http.StatusOK)
	for _, want := range []string{"<code>invoice.created</code>", "<code>invoice.issued</code>", `&#34;status&#34;: &#34;valid&#34;`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the invoice page lacks %s", want)
		}
	}
	if strings.Index(page.body, "invoice.created") > strings.Index(page.body, "<code>invoice.issued</code>") {
		t.Errorf("the history is not oldest first")
	}
	pdfLink := base + "/" + issued.ID + "/pdf"
	if !strings.Contains(page.body, `href="`+pdfLink+`"`) {
		t.Errorf("the invoice page has no PDF link")
	}
	pdf := v.get(pdfLink)
	if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Errorf("the PDF: %d %q %.20q", pdf.status, pdf.header.Get("Content-Type"), pdf.body)
	}
	w := newVisitor(t, sys)
	w.mustSignIn(other.Key)
	if a := w.get(pdfLink); a.status != http.StatusNotFound || strings.HasPrefix(a.body, "%PDF-") {
		t.Errorf("another user's GET of the PDF: %d, want 404", a.status)
	}
	for _, path := range []string{base + "/" + issued.ID, "/dashboard/organizations/" + other.OrgID + "/test/invoices/" + issued.ID,
		"/dashboard/organizations/" + u.OrgID + "/test/receipts/" + issued.ID} {
		if a := w.get(path); a.status != http.StatusNotFound || strings.Contains(a.body, "Cliente Uno") {
			t.Errorf("GET %s by another user: %d, want 404", path, a.status)
		}
	}
	if a := v.get("/dashboard/organizations/" + u.OrgID + "/test/receipts/" + issued.ID); a.status != http.StatusNotFound {
		t.Errorf("an invoice id under receipts: %d, want 404", a.status)
	}
	if a := v.get("/dashboard/organizations/" + u.OrgID + "/live/invoices/" + issued.ID); a.status != http.StatusNotFound {
		t.Errorf("a test invoice under live: %d, want 404", a.status)
	}
	for _, kind := range []string{"receipts", "retentions"} {
		wantStatus(t, kind, v.get("/dashboard/organizations/"+u.OrgID+"/test/"+kind), http.StatusOK)
	}
}

// listed is the invoices a list page links to, each once (a row links its
// id and its number).
func listed(page string) []string {
	var ids []string
	for _, m := range invoiceRow.FindAllStringSubmatch(page, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

// Quotes and pro-forma invoices have their lists, filtered by status, and
// their pages with history and PDF, like invoices.
func TestQuotesAndProformasPages(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("q@example.com", "Quotes Co")
	var key struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &key)
	var client, quote, proforma struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/clients", key.Secret, map[string]any{"legal_name": "Cliente Dos", "tax_id": "XAXX010101000"}, http.StatusCreated, &client)
	body := map[string]any{"client": client.ID, "items": []any{map[string]any{"quantity": "1",
		"product": map[string]any{"description": "Design", "price": "500.00", "tax_included": false,
			"taxes": []any{map[string]any{"type": "IVA", "rate": "0.16"}}}}}}
	sys.Call("POST", "/v1/quotes", key.Secret, body, http.StatusCreated, &quote)
	sys.Call("POST", "/v1/proformas", key.Secret, body, http.StatusCreated, &proforma)
	sys.Call("POST", "/v1/proformas/"+proforma.ID+"/issue", key.Secret, nil, http.StatusOK, nil)

	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test"
	for _, c := range []struct{ plural, id, status, created string }{
		{"quotes", quote.ID, "draft", "quote.created"},
		{"proformas", proforma.ID, "issued", "proforma.issued"},
	} {
		var list answer
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if list = v.get(base + "/" + c.plural + "?status=" + c.status); strings.Contains(list.body, c.id) {
				break
			}
		}
		if !strings.Contains(list.body, c.id) || !strings.Contains(list.body, "580.00") {
			t.Errorf("%s?status=%s does not list %s with its total", c.plural, c.status, c.id)
		}
		page := v.get(base + "/" + c.plural + "/" + c.id)
		wantStatus(t, c.plural+" page", page, http.StatusOK)
		if !strings.Contains(page.body, "<code>"+c.created+"</code>") || !strings.Contains(page.body, `/`+c.id+`/pdf"`) {
			t.Errorf("the %s page lacks its history or its PDF link", c.plural)
		}
		if pdf := v.get(base + "/" + c.plural + "/" + c.id + "/pdf"); pdf.status != http.StatusOK || !strings.HasPrefix(pdf.body, "%PDF-") {
			t.Errorf("the %s PDF: %d", c.plural, pdf.status)
		}
	}
	if a := v.get(base + "/quotes/" + proforma.ID); a.status != http.StatusNotFound {
		t.Errorf("a proforma id under quotes: %d, want 404", a.status)
	}
}
