package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/shopspring/decimal"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/pdf"
)

// The validating transport checks a PDF's body as bytes.
func init() { openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder) }

// pdfText is what pdftotext reads in a PDF, whitespace folded to single
// spaces; raw reads in content order, where diagonal watermarks are.
func pdfText(t *testing.T, body []byte, raw bool) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatalf("pdftotext is not installed (apt-get install poppler-utils): %v", err)
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, body, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{in, "-"}
	if raw {
		args = append([]string{"-raw"}, args...)
	}
	out, err := exec.Command("pdftotext", args...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (is the body a PDF? %.40q)", err, body)
	}
	sep := " "
	if raw {
		sep = ""
	}
	return strings.Join(strings.Fields(string(out)), sep)
}

// logoPNG is a small valid PNG.
func logoPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for i := range 40 * 20 {
		img.Set(i%40, i/40, color.NRGBA{0x20, byte(i), 0x80, 0xff})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// An issued live invoice's PDF names its number, client, totals and total
// in words, in the organization's language and with its branding; it is
// the same bytes for the same version, 304 to its ETag, and changes when
// the invoice does.
func TestInvoicePDF(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("pdf@example.com")
	org := "/v1/organizations/" + tk.orgID
	s.must(200, "PATCH", org, tk.userKey, map[string]any{"legal_name": "Ñandú Panadería SA de CV", "tax_id": "NPA010101AB1",
		"accent_color": "#8A3B12", "footer_text": "Gracias · pagos@ñandú.mx", "document_language": "es", "address": "Calle Ñ 7, Mérida"})
	o := s.must(200, "PUT", org+"/logo", tk.userKey, logoPNG(), "Content-Type", "image/png")
	if o.str("logo", "content_type") != "image/png" || o.str("accent_color") != "#8a3b12" {
		t.Fatalf("organization after branding: %s", o.Raw)
	}
	cid := s.must(201, "POST", "/v1/clients", tk.live, map[string]any{"legal_name": "Café Peñón SC", "tax_id": "CPE020202XY9"}).str("id")
	inv := s.must(201, "POST", "/v1/invoices", tk.live, invoiceBody(cid, "", item(product("100.00", false, iva("0.16"), withheld("ISR", "0.10")), "2"))).str("id")
	issued := s.must(200, "POST", "/v1/invoices/"+inv+"/issue", tk.live, nil)
	path := "/v1/invoices/" + inv + "/pdf"

	first := s.must(200, "GET", path, tk.live, nil, "Accept", "application/pdf")
	if ct := first.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := first.Header.Get("Content-Disposition"); !strings.Contains(cd, issued.str("number")+".pdf") {
		t.Errorf("Content-Disposition %q does not name %s.pdf", cd, issued.str("number"))
	}
	text := pdfText(t, first.Raw, false)
	total := decimal.RequireFromString(issued.str("total"))
	for _, want := range []string{"FACTURA", issued.str("number"), "Café Peñón SC", "CPE020202XY9", "Ñandú Panadería SA de CV", "NPA010101AB1",
		"Calle Ñ 7, Mérida", "Gracias · pagos@ñandú.mx", "$" + issued.str("subtotal"), "$" + issued.str("total"),
		"$" + issued.str("total_transferred"), "$" + issued.str("total_withheld"), "IVA 16%", "Retención ISR 10%",
		pdf.AmountInWords(total, "MXN", pdf.Spanish), "Página 1 de 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(pdfText(t, first.Raw, true), "TESTMODE") {
		t.Error("a live invoice says TEST MODE")
	}

	etag := first.Header.Get("ETag")
	again := s.must(200, "GET", path, tk.live, nil)
	if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get("ETag") != etag || etag == "" {
		t.Errorf("the same version gave other bytes or ETag (%q, %q)", etag, again.Header.Get("ETag"))
	}
	if r := s.must(304, "GET", path, tk.live, nil, "If-None-Match", etag); len(r.Raw) != 0 || r.Header.Get("ETag") != etag {
		t.Errorf("304 with a body or without the ETag: %q %q", r.Raw, r.Header.Get("ETag"))
	}
	before := time.Now().UTC()
	time.Sleep(10 * time.Millisecond)
	s.must(200, "POST", "/v1/invoices/"+inv+"/pay", tk.live, nil)
	paid := s.must(200, "GET", path, tk.live, nil, "If-None-Match", etag)
	if paid.Header.Get("ETag") == etag || !strings.Contains(pdfText(t, paid.Raw, false), "Pagada") {
		t.Error("a payment changed neither the ETag nor the status shown")
	}
	old := s.must(200, "GET", path+"?as_of="+before.Format(time.RFC3339Nano), tk.live, nil)
	if !bytes.Equal(old.Raw, first.Raw) || old.Header.Get("ETag") != etag {
		t.Error("?as_of before the payment is not the PDF of that version")
	}
	s.must(404, "GET", path+"?as_of=2001-01-01T00:00:00Z", tk.live, nil)
	s.must(406, "GET", path, tk.live, nil, "Accept", "application/json")

	// English, and a credit note names the invoice it corrects.
	s.must(200, "PATCH", org, tk.userKey, map[string]any{"document_language": "en"})
	note := s.must(201, "POST", "/v1/invoices/"+inv+"/corrective", tk.live, map[string]any{"reason": "Returned goods"})
	text = pdfText(t, s.must(200, "GET", "/v1/invoices/"+note.str("id")+"/pdf", tk.live, nil).Raw, false)
	for _, want := range []string{"CREDIT NOTE", "Credit note of invoice " + issued.str("number"),
		pdf.AmountInWords(decimal.RequireFromString(note.str("total")), "MXN", pdf.English)} {
		if !strings.Contains(text, want) {
			t.Errorf("the credit note's PDF lacks %q:\n%s", want, text)
		}
	}
}

// Drafts, canceled documents and anything in test mode say so across the
// page; receipts and retentions have PDFs too.
func TestPDFWatermarksAndKinds(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("marks@example.com")
	marks := func(key, path string) string {
		raw := pdfText(t, s.must(200, "GET", path, key, nil).Raw, true)
		var out []string
		for _, m := range []string{"DRAFT", "CANCELED", "TESTMODE—NOFISCALVALIDITY"} {
			if strings.Contains(raw, m) {
				out = append(out, m)
			}
		}
		return strings.Join(out, ",")
	}
	cid := s.must(201, "POST", "/v1/clients", tk.live, acme).str("id")
	draft := s.must(201, "POST", "/v1/invoices", tk.live, invoiceBody(cid, "", item(product("10.00", false), "1"))).str("id")
	if got := marks(tk.live, "/v1/invoices/"+draft+"/pdf"); got != "DRAFT" {
		t.Errorf("live draft: %q", got)
	}
	s.must(200, "POST", "/v1/invoices/"+draft+"/issue", tk.live, nil)
	s.must(200, "POST", "/v1/invoices/"+draft+"/void", tk.live, map[string]any{"reason": "02"})
	if got := marks(tk.live, "/v1/invoices/"+draft+"/pdf"); got != "CANCELED" {
		t.Errorf("live canceled: %q", got)
	}
	tcid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	tinv := s.must(201, "POST", "/v1/invoices", tk.test, invoiceBody(tcid, "", item(product("10.00", false), "1"))).str("id")
	if got := marks(tk.test, "/v1/invoices/"+tinv+"/pdf"); got != "DRAFT,TESTMODE—NOFISCALVALIDITY" {
		t.Errorf("test draft: %q", got)
	}
	rid := s.must(201, "POST", "/v1/receipts", tk.test, receiptBody("116.00", "1")).str("id")
	if got := marks(tk.test, "/v1/receipts/"+rid+"/pdf"); got != "TESTMODE—NOFISCALVALIDITY" {
		t.Errorf("test receipt: %q", got)
	}
	ret := s.must(201, "POST", "/v1/retentions", tk.live, map[string]any{"client": cid,
		"period":   map[string]any{"from_month": 1, "to_month": 3, "year": 2025},
		"concepts": []any{map[string]any{"description": "Honorarios", "amount": "1000.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}}}).str("id")
	s.must(200, "POST", "/v1/retentions/"+ret+"/issue", tk.live, nil)
	text := pdfText(t, s.must(200, "GET", "/v1/retentions/"+ret+"/pdf", tk.live, nil).Raw, false)
	for _, want := range []string{"CONSTANCIA DE RETENCIONES", "Honorarios", "enero – marzo 2025", "Acme SA de CV"} {
		if !strings.Contains(text, want) {
			t.Errorf("the retention's PDF lacks %q:\n%s", want, text)
		}
	}
}

// A PDF needs pdfs:read and the document's read scope; another
// organization's key, or the other mode's, finds nothing.
func TestPDFScopesAndTenancy(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("pdf-a@example.com")
	b := s.newTenant("pdf-b@example.com")
	cid := s.must(201, "POST", "/v1/clients", a.live, acme).str("id")
	inv := s.must(201, "POST", "/v1/invoices", a.live, invoiceBody(cid, "", item(product("10.00", false), "1"))).str("id")
	path := "/v1/invoices/" + inv + "/pdf"
	key := func(scopes ...string) string {
		return s.must(201, "POST", "/v1/organizations/"+a.orgID+"/api_keys", a.userKey,
			map[string]any{"name": "pdf", "mode": "live", "scopes": scopes}).str("secret")
	}
	for _, scopes := range [][]string{{"invoices:read"}, {"pdfs:read"}, {"pdfs:read", "receipts:read"}} {
		if r := s.call("GET", path, key(scopes...), nil); r.Status != 403 || r.str("error", "code") != "insufficient_scope" {
			t.Errorf("%v: %d %s", scopes, r.Status, r.Raw)
		}
	}
	s.must(200, "GET", path, key("pdfs:read", "invoices:read"), nil)
	for name, k := range map[string]string{"A's test key": a.test, "B's live key": b.live, "B's test key": b.test} {
		if r := s.call("GET", path, k, nil); r.Status != 404 || r.str("error", "code") != "resource_missing" {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
}

// A logo that is not a PNG or JPEG, too large or broken is refused with
// a clear error, and nothing is written; so are bad branding settings and
// another user's organization.
func TestBrandingIsValidated(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("brand@example.com")
	other := s.newTenant("brand-other@example.com")
	org := "/v1/organizations/" + tk.orgID
	valid := logoPNG()
	before := s.orgEventCount(tk.orgID)
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_media_type"},
		{"nothing", nil, 415, "unsupported_media_type"},
		{"a truncated PNG", valid[:len(valid)/2], 400, "parameter_invalid"},
		{"a broken JPEG", []byte("\xff\xd8\xff\xe0garbage"), 400, "parameter_invalid"},
		{"600 KB", append(append([]byte{}, valid...), make([]byte, 600<<10)...), 413, "body_too_large"},
	} {
		r := s.call("PUT", org+"/logo", tk.userKey, c.body, "Content-Type", "image/png")
		if r.Status != c.status || r.str("error", "code") != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Raw, c.status, c.code)
		}
	}
	for field, v := range map[string]string{"accent_color": "red", "document_language": "fr"} {
		if r := s.call("PATCH", org, tk.userKey, map[string]any{field: v}); r.Status != 400 || r.str("error", "param") != field || r.str("error", "code") != "parameter_invalid" {
			t.Errorf("%s=%q: %d %s", field, v, r.Status, r.Raw)
		}
	}
	if r := s.call("PUT", org+"/logo", other.userKey, valid); r.Status != 404 {
		t.Errorf("another user's organization: %d %s", r.Status, r.Raw)
	}
	if after := s.orgEventCount(tk.orgID); after != before {
		t.Errorf("refused branding wrote %d events", after-before)
	}
	s.must(200, "PUT", org+"/logo", tk.userKey, valid)
	if s.must(200, "PUT", org+"/logo", tk.userKey, valid); s.orgEventCount(tk.orgID) != before+1 {
		t.Error("the same logo twice is not one event")
	}
}

// The renderer the mailer attaches PDFs with (app.Services.PDF) renders
// any version of a document: version 1 of an issued invoice is its draft,
// named by its id; 0 is the latest, named by its number; a version it
// never had, or another mode's tenant, is not found.
func TestRendererRendersAVersion(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("seam@example.com")
	cid := s.must(201, "POST", "/v1/clients", tk.live, acme).str("id")
	inv := s.must(201, "POST", "/v1/invoices", tk.live, invoiceBody(cid, "", item(product("10.00", false), "1"))).str("id")
	number := s.must(200, "POST", "/v1/invoices/"+inv+"/issue", tk.live, nil).str("number")
	ctx, live := t.Context(), facturo.Tenant{OrgID: tk.orgID, Livemode: true}
	name, draft, err := s.svc.PDF.PDF(ctx, live, "invoice", inv, 1)
	if err != nil || name != inv+".pdf" || !strings.Contains(pdfText(t, draft, true), "DRAFT") {
		t.Errorf("version 1: %q, err %v", name, err)
	}
	name, latest, err := s.svc.PDF.PDF(ctx, live, "invoice", inv, 0)
	if err != nil || name != number+".pdf" || strings.Contains(pdfText(t, latest, true), "DRAFT") {
		t.Errorf("latest: %q, err %v", name, err)
	}
	if _, again, _ := s.svc.PDF.PDF(ctx, live, "invoice", inv, 2); !bytes.Equal(again, latest) {
		t.Error("version 2 (the latest) is not the bytes of version 0")
	}
	for _, c := range []struct {
		t       facturo.Tenant
		kind    string
		version int64
	}{{live, "invoice", 3}, {facturo.Tenant{OrgID: tk.orgID}, "invoice", 0}, {live, "receipt", 0}, {live, "client", 0}} {
		if _, _, err := s.svc.PDF.PDF(ctx, c.t, c.kind, inv, c.version); !facturo.IsCode(err, facturo.CodeNotFound) {
			t.Errorf("%+v %s version %d: %v, want not found", c.t, c.kind, c.version, err)
		}
	}
}
