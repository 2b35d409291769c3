package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// cliente is a client of a Spanish organization.
var cliente = map[string]any{"legal_name": "Cliente SL", "tax_id": "12345678Z", "email": "cuentas@cliente.example"}

// issueOne creates and issues an invoice of 2 × 100 plus the default IVA
// of its organization's country, for client, and returns its id.
func (s *system) issueOne(key string, client map[string]any) string {
	s.t.Helper()
	cid := s.must(201, "POST", "/v1/clients", key, client).str("id")
	iid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("100.00", false), "2"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+iid+"/issue", key, nil)
	return iid
}

// The chain of a Spanish organization, through the API: issuing,
// correcting and canceling each chain a record, each naming the previous
// record's fingerprint and holding the SHA-256 of its own fields; the
// list pages along the chain and filters a period; test mode keeps its
// own chain, which the sandbox accepts, while live records stay pending;
// a Mexican organization keeps none.
func TestVerifactuChainThroughTheAPI(t *testing.T) {
	s := startSystem(t)
	es := s.newTenantIn("ES", "es@example.com")
	first := s.issueOne(es.live, cliente)
	second := s.issueOne(es.live, cliente)
	note := s.must(201, "POST", "/v1/invoices/"+second+"/corrective", es.live, map[string]any{"reason": "Devolución"}).str("id")
	s.must(200, "POST", "/v1/invoices/"+first+"/void", es.live, map[string]any{"reason": "02"})

	chain := s.must(200, "GET", "/v1/verifactu/records?limit=100", es.live, nil).list()
	want := []struct{ kind, invoice, typ, total string }{
		{"alta", first, "F1", "242.00"}, {"alta", second, "F1", "242.00"},
		{"alta", note, "R1", "-242.00"}, {"anulacion", first, "", "0.00"},
	}
	if len(chain) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(chain), len(want), chain)
	}
	previous := ""
	for i, w := range want {
		r := chain[i]
		if r["kind"] != w.kind || r["invoice"] != w.invoice || r["invoice_type"] != w.typ || r["total"] != w.total ||
			r["sequence"] != float64(i+1) || r["livemode"] != true || r["status"] != "pending" || r["issuer_nif"] != "B12345674" {
			t.Errorf("record %d: %v, want %+v", i+1, r, w)
		}
		sum := sha256.Sum256([]byte(r["fingerprint_input"].(string)))
		if r["previous_hash"] != previous || r["hash"] != strings.ToUpper(hex.EncodeToString(sum[:])) ||
			!strings.Contains(r["fingerprint_input"].(string), "&Huella="+previous+"&") {
			t.Errorf("record %d does not chain: %v", i+1, r)
		}
		previous = r["hash"].(string)
	}
	if u := chain[0]["qr_url"].(string); !strings.HasPrefix(u, "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&") {
		t.Errorf("live QR address %s", u)
	}

	page := s.must(200, "GET", "/v1/verifactu/records?limit=3", es.live, nil)
	rest := s.must(200, "GET", "/v1/verifactu/records?limit=3&starting_after="+page.list()[2]["id"].(string), es.live, nil)
	if page.Body["has_more"] != true || len(rest.list()) != 1 || rest.list()[0]["id"] != chain[3]["id"] || rest.Body["has_more"] != false {
		t.Errorf("pages: %s then %s", page.Raw, rest.Raw)
	}
	if got := s.must(200, "GET", "/v1/verifactu/records?from=2999-01-01T00:00:00Z", es.live, nil).list(); len(got) != 0 {
		t.Errorf("a future period has %d records", len(got))
	}
	gen := chain[0]["generated_at"].(string)
	if got := s.must(200, "GET", "/v1/verifactu/records?to="+strings.Replace(gen, "+", "%2B", 1), es.live, nil).list(); len(got) != 0 {
		t.Errorf("records generated before the first: %d", len(got))
	}
	for _, q := range []string{"from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "starting_after=vfr_01ARZ3NDEKTSV4RRFFQ69G5FAV", "limit=0"} {
		r := s.must(400, "GET", "/v1/verifactu/records?"+q, es.live, nil)
		if r.str("error", "code") != "parameter_invalid" {
			t.Errorf("%s: %s", q, r.Raw)
		}
	}

	s.issueOne(es.test, cliente)
	eventually(t, "the sandbox accepts the test-mode record", func() bool {
		l := s.must(200, "GET", "/v1/verifactu/records", es.test, nil).list()
		return len(l) == 1 && l[0]["status"] == "accepted"
	})
	test := s.must(200, "GET", "/v1/verifactu/records", es.test, nil).list()[0]
	if test["livemode"] != false || test["previous_hash"] != "" || test["sequence"] != float64(1) ||
		!strings.HasPrefix(test["qr_url"].(string), "https://prewww2.aeat.es/") {
		t.Errorf("test-mode record %v", test)
	}
	if l := s.must(200, "GET", "/v1/verifactu/records?limit=100", es.live, nil).list(); l[0]["status"] != "pending" {
		t.Errorf("a live record left pending: %v", l[0])
	}

	mx := s.newTenant("mx@example.com")
	mxInvoice := s.issueOne(mx.live, acme)
	if got := s.must(200, "GET", "/v1/verifactu/records", mx.live, nil).list(); len(got) != 0 {
		t.Errorf("a Mexican organization has %d records", len(got))
	}

	// The invoice's PDF carries the legends and the address of its record's
	// QR code (which may wrap: compared without spaces); a Mexican
	// invoice's does not.
	text := pdfText(t, s.must(200, "GET", "/v1/invoices/"+second+"/pdf", es.live, nil, "Accept", "application/pdf").Raw, false)
	for _, w := range []string{"VERI*FACTU", "Factura verificable en la sede electrónica de la AEAT", chain[1]["qr_url"].(string)} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(w, " ", "")) {
			t.Errorf("the Spanish invoice's PDF lacks %q:\n%s", w, text)
		}
	}
	if text := pdfText(t, s.must(200, "GET", "/v1/invoices/"+mxInvoice+"/pdf", mx.live, nil, "Accept", "application/pdf").Raw, false); strings.Contains(text, "VERI*FACTU") {
		t.Errorf("a Mexican invoice's PDF carries the VeriFactu mark")
	}
}
