package dashboard_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

var (
	orgLocation    = regexp.MustCompile(`^/dashboard/organizations/(org_[0-9A-Z]+)$`)
	clientLocation = regexp.MustCompile(`/clients/(cli_[0-9A-Z]+)$`)
	invoiceLoc     = regexp.MustCompile(`/invoices/(inv_[0-9A-Z]+)$`)
)

// The quickstart's writes by form: an organization, a client, a draft
// invoice, then issue, pay, send and void it. Each form runs the API's
// command (the same events and answers), and a refused form shows the
// API's message with its status and writes nothing.
func TestOrganizationClientAndInvoiceForms(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("f@example.com", "First Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()

	bad := v.post("/dashboard/organizations", url.Values{"csrf": {tok}, "name": {"  "}})
	wantStatus(t, "a blank organization name", bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, "name") || !strings.Contains(bad.body, `role="alert"`) {
		t.Errorf("the refusal does not say why: %.500s", bad.body)
	}
	created := v.post("/dashboard/organizations", url.Values{"csrf": {tok}, "name": {"My Shop"}, "legal_name": {"My Shop SA"}})
	m := orgLocation.FindStringSubmatch(created.location)
	if created.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create organization: %d to %q: %.400s", created.status, created.location, created.body)
	}
	org := m[1]
	var view struct {
		LegalName string `json:"legal_name"`
	}
	sys.Call("GET", "/v1/organizations/"+org, u.Key, nil, http.StatusOK, &view)
	if view.LegalName != "My Shop SA" {
		t.Errorf("the API's organization: %+v", view)
	}
	base := "/dashboard/organizations/" + org + "/test"
	before := events(sys, org)

	refused := v.post(base+"/clients", url.Values{"csrf": {tok}, "legal_name": {"Acme"}, "tax_id": {"no"}})
	wantStatus(t, "a bad tax id", refused, http.StatusBadRequest)
	if !strings.Contains(refused.body, "tax_id") || !strings.Contains(refused.body, `value="Acme"`) {
		t.Errorf("the refused client form lost its input or the reason: %.600s", refused.body)
	}
	c := v.post(base+"/clients", url.Values{"csrf": {tok}, "legal_name": {"Acme SA de CV"}, "tax_id": {"AAA010101AAA"},
		"email": {"billing@acme.example"}, "zip": {"06600"}})
	cm := clientLocation.FindStringSubmatch(c.location)
	if c.status != http.StatusSeeOther || cm == nil {
		t.Fatalf("add client: %d to %q: %.400s", c.status, c.location, c.body)
	}
	if page := v.get(c.location); !strings.Contains(page.body, "Acme SA de CV") || !strings.Contains(page.body, "client.created") {
		t.Errorf("the client's page: %.400s", page.body)
	}

	line := func(desc, price string) url.Values {
		return url.Values{"csrf": {tok}, "client": {cm[1]}, "series": {"A"}, "payment_form": {"03"}, "payment_method": {"PUE"},
			"currency": {"MXN"}, "item_description": {desc, "", ""}, "item_quantity": {"2", "1", "1"},
			"item_price": {price, "", ""}, "item_tax": {"IVA16", "IVA16", "IVA16"}}
	}
	noItems := v.post(base+"/invoices", line("", ""))
	wantStatus(t, "an invoice without lines", noItems, http.StatusBadRequest)
	if !strings.Contains(noItems.body, "items") || !strings.Contains(noItems.body, "New draft invoice") {
		t.Errorf("the refused invoice form: %.600s", noItems.body)
	}
	if badPrice := v.post(base+"/invoices", line("Consulting hour", "12,50")); badPrice.status != http.StatusBadRequest ||
		!strings.Contains(badPrice.body, "price") {
		t.Errorf("a bad price: %d %.400s", badPrice.status, badPrice.body)
	}
	if after := events(sys, org); after != before+1 { // the client only
		t.Fatalf("refused forms wrote %d events", after-before-1)
	}

	d := v.post(base+"/invoices", line("Consulting hour", "1160.00"))
	im := invoiceLoc.FindStringSubmatch(d.location)
	if d.status != http.StatusSeeOther || im == nil {
		t.Fatalf("create draft: %d to %q: %.400s", d.status, d.location, d.body)
	}
	inv := d.location
	var key struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+org+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &key)
	var api struct {
		Status, Total, Number string
		LastSend              *struct{ Status string } `json:"last_send"`
	}
	sys.Call("GET", "/v1/invoices/"+im[1], key.Secret, nil, http.StatusOK, &api)
	if api.Status != "draft" || api.Total != "2320.00" {
		t.Fatalf("the API's draft: %+v", api)
	}
	if page := v.get(inv); !strings.Contains(page.body, `/issue"`) || strings.Contains(page.body, `/void"`) {
		t.Errorf("a draft's page does not offer issue (or offers void)")
	}
	act := func(action string, form url.Values) answer {
		form.Set("csrf", tok)
		return v.post(inv+"/"+action, form)
	}
	if a := act("pay", url.Values{}); a.status != http.StatusConflict || !strings.Contains(a.body, "draft") {
		t.Errorf("pay a draft: %d, want the API's 409: %.400s", a.status, a.body)
	}
	if a := act("issue", url.Values{}); a.status != http.StatusSeeOther || a.location != inv {
		t.Fatalf("issue: %d to %q: %.400s", a.status, a.location, a.body)
	}
	sys.Call("GET", "/v1/invoices/"+im[1], key.Secret, nil, http.StatusOK, &api)
	if api.Status != "valid" || api.Number != "A-1" {
		t.Errorf("issued: %+v", api)
	}
	if a := act("send", url.Values{"to": {"not an address"}}); a.status != http.StatusBadRequest {
		t.Errorf("send to a bad address: %d", a.status)
	}
	if a := act("send", url.Values{}); a.status != http.StatusSeeOther {
		t.Errorf("send: %d %.400s", a.status, a.body)
	}
	sys.Call("GET", "/v1/invoices/"+im[1], key.Secret, nil, http.StatusOK, &api)
	if api.LastSend == nil {
		t.Errorf("send recorded no last_send")
	}
	if a := act("pay", url.Values{"amount": {"100.00"}}); a.status != http.StatusSeeOther {
		t.Errorf("a partial payment: %d %.400s", a.status, a.body)
	}
	if a := act("void", url.Values{}); a.status != http.StatusBadRequest || !strings.Contains(a.body, "reason") {
		t.Errorf("void without a reason: %d %.400s", a.status, a.body)
	}
	if a := act("void", url.Values{"reason": {"02"}}); a.status != http.StatusSeeOther {
		t.Errorf("void: %d %.400s", a.status, a.body)
	}
	sys.Call("GET", "/v1/invoices/"+im[1], key.Secret, nil, http.StatusOK, &api)
	if api.Status != "canceled" {
		t.Errorf("voided: %+v", api)
	}
	if a := act("nothing", url.Values{}); a.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d", a.status)
	}
	// Another draft, deleted.
	d2 := v.post(base+"/invoices", line("Another hour", "10"))
	if a := v.post(d2.location+"/delete", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther || a.location != base+"/invoices" {
		t.Errorf("delete a draft: %d to %q", a.status, a.location)
	}
	if a := v.get(d2.location); a.status != http.StatusNotFound {
		t.Errorf("a deleted draft's page: %d, want 404 as the API answers", a.status)
	}
}

// Another user cannot reach the forms of an organization that is not
// theirs, and a test-mode invoice is not found under live.
func TestInvoiceFormsTenancy(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("t1@example.com", "Owner Co")
	other := sys.NewUser("t2@example.com", "Stranger Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()
	base := "/dashboard/organizations/" + u.OrgID + "/test"
	c := v.post(base+"/clients", url.Values{"csrf": {tok}, "legal_name": {"Acme"}, "tax_id": {"AAA010101AAA"}})
	cm := clientLocation.FindStringSubmatch(c.location)
	if cm == nil {
		t.Fatalf("add client: %d %.300s", c.status, c.body)
	}
	d := v.post(base+"/invoices", url.Values{"csrf": {tok}, "client": {cm[1]}, "payment_form": {"03"}, "payment_method": {"PUE"},
		"currency": {"MXN"}, "series": {"A"}, "item_description": {"Hour"}, "item_quantity": {"1"}, "item_price": {"10"}, "item_tax": {"IVA16"}})
	if invoiceLoc.FindStringSubmatch(d.location) == nil {
		t.Fatalf("create draft: %d %.300s", d.status, d.body)
	}
	w := newVisitor(t, sys)
	w.mustSignIn(other.Key)
	wt := w.token()
	before := events(sys, u.OrgID)
	live := strings.Replace(d.location, "/test/", "/live/", 1)
	for _, p := range []struct {
		who       *visitor
		tok, path string
	}{
		{w, wt, base + "/clients"},
		{w, wt, base + "/invoices"},
		{w, wt, d.location + "/issue"},
		{v, tok, live + "/issue"},
		{w, wt, "/dashboard/organizations/" + other.OrgID + "/test/invoices/" + strings.TrimPrefix(invoiceLoc.FindString(d.location), "/invoices/") + "/issue"},
	} {
		a := p.who.post(p.path, url.Values{"csrf": {p.tok}, "legal_name": {"X"}, "tax_id": {"AAA010101AAA"}, "client": {cm[1]},
			"item_description": {"Hour"}, "item_price": {"1"}, "item_quantity": {"1"}, "payment_form": {"03"}})
		if a.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p.path, a.status)
		}
	}
	if after := events(sys, u.OrgID); after != before {
		t.Errorf("refused forms wrote %d events", after-before)
	}
}

// A Spanish organization is created from the form with its country, and
// its invoice form offers Spain's IVA rates and no SAT payment method:
// the draft it makes follows Spanish law through the same commands.
func TestSpanishOrganizationForms(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("es@example.com", "Primera")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()
	created := v.post("/dashboard/organizations", url.Values{"csrf": {tok}, "name": {"Asesores"}, "legal_name": {"Asesores SL"},
		"tax_id": {"B12345674"}, "country": {"ES"}})
	m := orgLocation.FindStringSubmatch(created.location)
	if m == nil {
		t.Fatalf("create a Spanish organization: %d %.400s", created.status, created.body)
	}
	var org struct{ Country string }
	sys.Call("GET", "/v1/organizations/"+m[1], u.Key, nil, http.StatusOK, &org)
	if org.Country != "ES" {
		t.Fatalf("the organization's country: %q", org.Country)
	}
	if bad := v.post("/dashboard/organizations", url.Values{"csrf": {tok}, "name": {"X"}, "country": {"FR"}}); bad.status != http.StatusBadRequest ||
		!strings.Contains(bad.body, "country") {
		t.Errorf("country FR: %d %.300s", bad.status, bad.body)
	}
	base := "/dashboard/organizations/" + m[1] + "/test"
	c := v.post(base+"/clients", url.Values{"csrf": {tok}, "legal_name": {"Tienda SL"}, "tax_id": {"A58818501"}})
	cm := clientLocation.FindStringSubmatch(c.location)
	if cm == nil {
		t.Fatalf("add a Spanish client: %d %.400s", c.status, c.body)
	}
	page := v.get(base + "/invoices")
	if !strings.Contains(page.body, "IVA 21 %") || strings.Contains(page.body, "IVA 16 %") || strings.Contains(page.body, `name="payment_method"`) ||
		!strings.Contains(page.body, `value="EUR"`) {
		t.Errorf("a Spanish organization's invoice form offers Mexican choices: %v %v %v %v", strings.Contains(page.body, "IVA 21 %"), strings.Contains(page.body, "IVA 16 %"), strings.Contains(page.body, `name="payment_method"`), strings.Contains(page.body, `value="EUR"`))
	}
	d := v.post(base+"/invoices", url.Values{"csrf": {tok}, "client": {cm[1]}, "series": {"A"}, "payment_form": {"04"}, "currency": {"EUR"},
		"item_description": {"Caja"}, "item_quantity": {"2"}, "item_price": {"121.00"}, "item_tax": {"IVA21"}})
	im := invoiceLoc.FindStringSubmatch(d.location)
	if im == nil {
		t.Fatalf("create a Spanish draft: %d %.600s", d.status, d.body)
	}
	if a := v.post(d.location+"/issue", url.Values{"csrf": {tok}}); a.status != http.StatusSeeOther {
		t.Fatalf("issue: %d %.600s", a.status, a.body)
	}
	shown := v.get(d.location)
	if !strings.Contains(shown.body, "242.00 EUR") || !strings.Contains(shown.body, "A-1") {
		t.Errorf("the issued Spanish invoice: %.800s", shown.body)
	}
}
