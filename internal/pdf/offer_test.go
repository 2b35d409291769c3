package pdf

import (
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/invoicing"
)

// A quote and a proforma print their own title and number, and both say,
// in the document's language, that they are not fiscal documents.
func TestQuoteAndProformaPDFs(t *testing.T) {
	for _, lang := range []string{Spanish, English} {
		l, base := labelsFor(lang), sample(lang, 2)
		offer := invoicing.OfferView{ClientDetails: *base.Client, Currency: "MXN", Items: base.Lines, TotalsView: base.Totals}
		qn, pn := "Q-7", "PF-3"
		docs := []*Document{
			fromQuote(invoicing.QuoteView{ID: "quo_01J9ZQ7V3K8M2N4P6R8S0T1W3X", Status: invoicing.QuoteSentState, Livemode: true, OfferView: offer, Number: &qn}, l),
			fromProforma(invoicing.ProformaView{ID: "pfi_01J9ZQ7V3K8M2N4P6R8S0T1W3X", Status: invoicing.ProformaIssuedState, Livemode: true, OfferView: offer, Number: &pn}, l),
		}
		for i, d := range docs {
			d.Issuer, d.Date, d.Stamp = base.Issuer, base.Date, base.Stamp
			text := strings.Join(strings.Fields(string(poppler(t, render(t, d), "pdftotext"))), " ")
			want := []string{[]string{l.quote, l.proforma}[i], []string{qn, pn}[i], l.notFiscal, money(base.Totals.Total, "MXN")}
			for _, w := range want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("%s %s: the PDF's text lacks %q:\n%s", lang, d.Kind, w, text)
				}
			}
			if strings.Contains(text, l.invoice+" ") && !strings.Contains(l.proforma, l.invoice) {
				t.Errorf("%s %s: titled as an invoice:\n%s", lang, d.Kind, text)
			}
		}
	}
}
