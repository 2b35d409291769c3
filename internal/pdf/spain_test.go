package pdf

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
)

// esFold appends drafts to a stream and folds it.
func esFold(t *testing.T, id string, drafts []events.Draft) *invoicing.Invoice {
	t.Helper()
	var history []events.Event
	for i, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, events.Event{Type: d.Type, StreamID: id, StreamVersion: i + 1, Data: data, Livemode: true,
			CreatedAt: time.Date(2026, 5, 4, 10, 0, i, 0, time.UTC)})
	}
	inv, err := invoicing.FoldInvoice(history)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// esRectifying is a Spanish rectifying invoice (R1, by differences) of an
// issued invoice with IVA, recargo and IRPF, as the domain decides them.
func esRectifying(t *testing.T) (orig, rect *invoicing.Invoice) {
	t.Helper()
	spain := invoicing.RulesFor(jurisdiction.ES)
	rate := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	no := false
	in := invoicing.InvoiceInput{PaymentForm: "04", Kind: "F1", Client: "cli_1", Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{
		Description: "Asesoría", Price: rate("1000"), TaxIncluded: &no,
		Taxes: []invoicing.TaxInput{{Type: "IVA", Rate: rate("0.21")}, {Type: "RE", Rate: rate("0.052")}, {Type: "IRPF", Rate: rate("0.15")}}}}}}}
	cd, err := spain.NewClient(invoicing.ClientInput{LegalName: "Cliente SL", TaxID: "B12345674"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(cd[0].Data)
	client, err := invoicing.FoldClient([]events.Event{{Type: cd[0].Type, StreamID: "cli_1", StreamVersion: 1, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := spain.NewInvoice(in, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := esFold(t, "inv_1", drafts).Issue(nil, 1, time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	orig = esFold(t, "inv_1", append(drafts, issued...))
	c, err := orig.Correct(invoicing.CorrectionInput{Reason: "Descuento posterior"}, "inv_2", nil, 1, time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return orig, esFold(t, "inv_2", c.CreditNote)
}

// The PDF of an ES organization's invoice speaks Spanish law: NIF, the
// kind of invoice, base and IVA per rate, recargo and IRPF, and what a
// rectifying invoice rectifies and why. A Mexican one keeps its RFC.
func TestSpanishFiscalText(t *testing.T) {
	orig, rect := esRectifying(t)
	org := accounts.Organization{Name: "Asesores", LegalName: "Asesores SL", TaxID: "B12345674", Country: jurisdiction.ES,
		Branding: accounts.DefaultBranding()}
	fx := fiscalFor(org.Country)
	l := fx.labels(labelsFor(Spanish))
	for _, c := range []struct {
		inv  *invoicing.Invoice
		want []string
	}{
		{orig, []string{"FACTURA", "NIF: B12345674", "Tipo de factura F1 — Factura completa", "Medio de pago 04 — Transferencia",
			"Base imponible IVA 21% €1,000.00", "IVA 21% €210.00", "Recargo de equivalencia 5.2% €52.00", "Retención IRPF 15% −€150.00", "€1,112.00"}},
		{rect, []string{"FACTURA RECTIFICATIVA", "R-1", "Tipo de factura R1", "Causa de la rectificación Error fundado en derecho",
			"Rectificación Por diferencias", "Motivo Descuento posterior", "Rectifica la factura A-1 (2026-05-04)"}},
	} {
		v := c.inv.View()
		d := fromInvoice(v, l, fx)
		if v.Related != nil {
			d.Related = append(d.Related, fx.corrects(l, v, orig.Number))
		}
		d.Issuer, d.Date, d.Stamp = org, c.inv.IssuedAt, c.inv.IssuedAt
		text := strings.Join(strings.Fields(pdfText(t, render(t, d))), " ")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the PDF lacks %q:\n%s", v.Kind, w, text)
			}
		}
		if strings.Contains(text, "RFC") || strings.Contains(text, "Uso del CFDI") {
			t.Errorf("%s: Mexican text on a Spanish invoice:\n%s", v.Kind, text)
		}
	}
}
