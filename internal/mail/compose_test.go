package mail

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// An email speaks the organization's document language, names it in the
// subject and signature, and escapes what it quotes in HTML.
func TestComposeSpeaksTheDocumentLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang, kind, number, issuer string
		subject                    string
		text, html                 []string
	}{
		{"es", "invoice", "A-1", "Acme Consultores SA", "Factura A-1 de Acme Consultores SA",
			[]string{"Hola Cliente & Hijos:", "Le enviamos Factura A-1 del 02/03/2026, por un total de 1160.00 MXN.", "Acme Consultores SA"},
			[]string{"Hola Cliente &amp; Hijos:", "<strong>Factura A-1</strong>"}},
		{"en", "credit_note", "NC-7", "Acme Consultores SA", "Credit note NC-7 from Acme Consultores SA",
			[]string{"Hello Cliente & Hijos,", "Attached is Credit note NC-7 of 2026-03-02"},
			[]string{"Hello Cliente &amp; Hijos,"}},
		{"es", "retention", "ret_1", "", "Constancia de retenciones ret_1", []string{"Le enviamos Constancia de retenciones ret_1"}, nil},
		{"fr", "receipt", "rcp_1", "", "Receipt rcp_1", []string{"Attached is Receipt rcp_1"}, nil}, // unknown: English
	} {
		l := Letter{MessageID: MessageID("evt_1"), Date: time.Unix(0, 0), To: []string{"ap@acme.example"},
			Issuer: tc.issuer, Language: tc.lang, Client: "Cliente & Hijos", Total: "1160.00", Currency: "MXN",
			Issued: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Filename: "a.pdf", PDF: []byte("%PDF")}
		l.Title = title(tc.lang, tc.kind, tc.number)
		msg, err := Compose("billing@facturo.test", l)
		if err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		if _, err := msg.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		if got := msg.GetGenHeader("Subject"); len(got) != 1 || got[0] != tc.subject {
			t.Errorf("%s %s: subject %q, want %q", tc.lang, tc.kind, got, tc.subject)
		}
		for _, part := range msg.GetParts() {
			body, err := part.GetContent()
			if err != nil {
				t.Fatal(err)
			}
			want := tc.text
			if strings.Contains(string(part.GetContentType()), "html") {
				want = tc.html
			}
			for _, w := range want {
				if !strings.Contains(string(body), w) {
					t.Errorf("%s %s %s part lacks %q:\n%s", tc.lang, tc.kind, part.GetContentType(), w, body)
				}
			}
		}
	}
}
