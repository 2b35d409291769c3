package invoicing

import (
	"strings"
	"testing"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/jurisdiction"
)

var spain = RulesFor(jurisdiction.ES)

func tax(typ, rate string) TaxInput { return TaxInput{Type: typ, Rate: dec(rate)} }

// esItem is an inline product line: price before taxes unless included.
func esItem(price, qty string, included bool, taxes ...TaxInput) ItemInput {
	return ItemInput{Product: ProductRef{Inline: &ProductInput{Description: "x", Price: dec(price), TaxIncluded: ptr(included), Taxes: taxes}},
		Quantity: dec(qty)}
}

// esClient is a client of an ES organization, with a CIF.
func esClient(t *testing.T) *Client {
	t.Helper()
	cs := &stream{id: "cli_1"}
	d, err := spain.NewClient(ClientInput{LegalName: "Cliente SL", TaxID: "B12345674"})
	cs.must(t, d, err)
	c, err := FoldClient(cs.history)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// esInvoice decides an ES draft through the rules, as the command does.
func esInvoice(t *testing.T, in InvoiceInput) (*Invoice, error) {
	t.Helper()
	var client *Client
	if in.Client != "" {
		client = esClient(t)
	}
	d, err := spain.NewInvoice(in, client, nil)
	if err != nil {
		return nil, err
	}
	s := &stream{id: "inv_1"}
	s.append(t, d)
	return foldInv(t, s), nil
}

// The Spanish rounding table: what ES invoices total, through the domain
// (internal/e2e has the same table through the HTTP API).
func TestSpanishTotals(t *testing.T) {
	tests := []struct {
		name   string
		items  []ItemInput
		want   string // subtotal transferred withheld total
		groups string
	}{
		{"2 × 100 + IVA 21", []ItemInput{esItem("100", "2", false, tax("IVA", "0.21"))},
			"200.00 42.00 0.00 242.00", "IVA Tasa 0.21 +200.00:42.00"},
		{"IVA 21 + recargo 5.2", []ItemInput{esItem("100", "1", false, tax("IVA", "0.21"), tax("RE", "0.052"))},
			"100.00 26.20 0.00 126.20", "IVA Tasa 0.21 +100.00:21.00, RE Tasa 0.052 +100.00:5.20"},
		{"IVA 10 + recargo 1.4", []ItemInput{esItem("100", "1", false, tax("IVA", "0.10"), tax("RE", "0.014"))},
			"100.00 11.40 0.00 111.40", "IVA Tasa 0.1 +100.00:10.00, RE Tasa 0.014 +100.00:1.40"},
		{"IVA 4 + recargo 0.5", []ItemInput{esItem("100", "1", false, tax("IVA", "0.04"), tax("RE", "0.005"))},
			"100.00 4.50 0.00 104.50", "IVA Tasa 0.04 +100.00:4.00, RE Tasa 0.005 +100.00:0.50"},
		{"professional, IRPF 15 withheld", []ItemInput{esItem("1000", "1", false, tax("IVA", "0.21"), tax("IRPF", "0.15"))},
			"1000.00 210.00 150.00 1060.00", "IVA Tasa 0.21 +1000.00:210.00, IRPF Tasa 0.15 -1000.00:150.00"},
		{"new professional, IRPF 7", []ItemInput{esItem("1000", "1", false, tax("IVA", "0.21"), tax("IRPF", "0.07"))},
			"1000.00 210.00 70.00 1140.00", "IVA Tasa 0.21 +1000.00:210.00, IRPF Tasa 0.07 -1000.00:70.00"},
		{"rent, IRPF 19", []ItemInput{esItem("800", "1", false, tax("IVA", "0.21"), tax("IRPF", "0.19"))},
			"800.00 168.00 152.00 816.00", "IVA Tasa 0.21 +800.00:168.00, IRPF Tasa 0.19 -800.00:152.00"},
		{"IVA per rate, not per line", []ItemInput{esItem("1.25", "1", false, tax("IVA", "0.10")), esItem("1.25", "1", false, tax("IVA", "0.10"))},
			"2.50 0.25 0.00 2.75", "IVA Tasa 0.1 +2.50:0.25"},
		{"two rates", []ItemInput{esItem("100", "1", false, tax("IVA", "0.21")), esItem("50", "1", false, tax("IVA", "0.10"))},
			"150.00 26.00 0.00 176.00", "IVA Tasa 0.1 +50.00:5.00, IVA Tasa 0.21 +100.00:21.00"},
		{"121 with IVA included", []ItemInput{esItem("121", "1", true, tax("IVA", "0.21"))},
			"100.00 21.00 0.00 121.00", "IVA Tasa 0.21 +100.00:21.00"},
		{"IVA 0", []ItemInput{esItem("100", "1", false, tax("IVA", "0"))},
			"100.00 0.00 0.00 100.00", "IVA Tasa 0 +100.00:0.00"},
		{"default tax is IVA 21", []ItemInput{esItem("10", "3", false)},
			"30.00 6.30 0.00 36.30", "IVA Tasa 0.21 +30.00:6.30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := esInvoice(t, InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: tt.items})
			if err != nil {
				t.Fatal(err)
			}
			tv := inv.Totals.view()
			if got := strings.Join([]string{tv.Subtotal, tv.TotalTransferred, tv.TotalWithheld, tv.Total}, " "); got != tt.want {
				t.Errorf("totals = %s, want %s", got, tt.want)
			}
			if g := groups(tv); g != tt.groups {
				t.Errorf("groups = %s\n          want %s", g, tt.groups)
			}
			if inv.Kind != "F1" || inv.Series != "A" || inv.Currency != "EUR" || inv.Use != "" || inv.PaymentMethod != "" {
				t.Errorf("kind %s series %s currency %s use %q method %q; want F1 A EUR and no CFDI terms", inv.Kind, inv.Series, inv.Currency, inv.Use, inv.PaymentMethod)
			}
		})
	}
}

// Every rule of the Spanish catalogue, kinds and parties refuses with a
// clear 4xx on the field at fault.
func TestSpanishRulesRefuse(t *testing.T) {
	ok := []ItemInput{esItem("100", "1", false)}
	tests := []struct {
		name  string
		in    InvoiceInput
		code  string
		param string
	}{
		{"Mexican IVA rate", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("IVA", "0.16"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes[0].rate"},
		{"recargo without IVA", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("RE", "0.052"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes"},
		{"recargo of another IVA rate", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("IVA", "0.10"), tax("RE", "0.052"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes[1].rate"},
		{"IRPF at 16", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("IRPF", "0.16"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes[0].rate"},
		{"ISR", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("ISR", "0.10"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes[0].type"},
		{"IVA withheld", InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []ItemInput{esItem("1", "1", false, tax("IVA_RET", "0.21"))}},
			facturo.CodeParameterInvalid, "items[0].product.taxes[0].type"},
		{"complete invoice without client", InvoiceInput{PaymentForm: "04", Items: ok}, facturo.CodeParameterMissing, "client"},
		{"simplified above 400", InvoiceInput{Kind: "F2", PaymentForm: "01", Items: []ItemInput{esItem("400", "1", false)}},
			facturo.CodeParameterInvalid, "kind"},
		{"simplified in the complete series", InvoiceInput{Kind: "F2", Series: "A", PaymentForm: "01", Items: ok},
			facturo.CodeParameterInvalid, "series"},
		{"complete in the rectifying series", InvoiceInput{Client: "cli_1", Series: "R", PaymentForm: "04", Items: ok},
			facturo.CodeParameterInvalid, "series"},
		{"CFDI use", InvoiceInput{Client: "cli_1", Use: "G03", PaymentForm: "04", Items: ok}, facturo.CodeParameterInvalid, "use"},
		{"PPD", InvoiceInput{Client: "cli_1", PaymentMethod: "PPD", Items: ok}, facturo.CodeParameterInvalid, "payment_method"},
		{"payment means 99", InvoiceInput{Client: "cli_1", PaymentForm: "99", Items: ok}, facturo.CodeParameterInvalid, "payment_form"},
		{"MXN without a rate to EUR", InvoiceInput{Client: "cli_1", Currency: "MXN", PaymentForm: "04", Items: ok}, facturo.CodeParameterMissing, "exchange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var client *Client
			if tt.in.Client != "" {
				client = esClient(t)
			}
			d, err := spain.NewInvoice(tt.in, client, nil)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
}

func TestSpanishSimplifiedInvoice(t *testing.T) {
	inv, err := esInvoice(t, InvoiceInput{Kind: "F2", PaymentForm: "01", Items: []ItemInput{esItem("330.58", "1", false)}})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Kind != "F2" || inv.Series != "S" || inv.Client.TaxID != "" || inv.Totals.Total.String() != "400" {
		t.Errorf("got kind %s series %s client %q total %s; want F2 in S, no client, 400.00", inv.Kind, inv.Series, inv.Client.TaxID, inv.Totals.Total)
	}
}

func TestSpanishTaxIDs(t *testing.T) {
	for _, id := range []string{"B12345674", "12345678Z", "X1234567L", "DE123456789", "FR12345678901", "ESB12345674"} {
		if _, err := spain.NewClient(ClientInput{LegalName: "C", TaxID: id}); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, id := range []string{"B12345675", "12345678A", "AAA010101AAA", "DE12345678", "US123456789"} {
		d, err := spain.NewClient(ClientInput{LegalName: "C", TaxID: id})
		wantCode(t, d, err, facturo.CodeParameterInvalid, "tax_id")
	}
	// An MX organization's client keeps the loose RFC shape: a 9-character
	// NIF is too short for it.
	d, err := NewClient(ClientInput{LegalName: "C", TaxID: "B12345674"})
	wantCode(t, d, err, facturo.CodeParameterInvalid, "tax_id")
	// A Mexican invoice has no kind.
	f := newFixture(t)
	in := f.input()
	in.Kind = "F1"
	d, err = NewInvoice(in, f.client, f.products)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "kind")
}

// esIssued is an issued ES invoice of 2 × 100 + IVA 21 + RE 5.2 (252.40),
// and its stream.
func esIssued(t *testing.T, kind string) *stream {
	t.Helper()
	in := InvoiceInput{Client: "cli_1", Kind: kind, PaymentForm: "04", Items: []ItemInput{esItem("100", "2", false, tax("IVA", "0.21"), tax("RE", "0.052"))}}
	if kind == "F2" {
		in.Client = ""
	}
	var client *Client
	if in.Client != "" {
		client = esClient(t)
	}
	s := &stream{id: "inv_1"}
	d, err := spain.NewInvoice(in, client, nil)
	s.must(t, d, err)
	d, err = foldInv(t, s).Issue(nil, 7, now)
	s.must(t, d, err)
	return s
}

func TestSpanishRectifyingByDifferences(t *testing.T) {
	inv := foldInv(t, esIssued(t, "F1"))
	if got := inv.CreditNoteSeries(CorrectionInput{}); got != "R" {
		t.Errorf("rectifying series = %s, want R", got)
	}
	c, err := inv.Correct(CorrectionInput{Reason: "Devolución", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "inv_2", nil, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	note := &stream{id: "inv_2"}
	note.append(t, c.CreditNote)
	r := foldInv(t, note)
	if r.Kind != "R1" || r.Type != TypeEgress || r.Series != "R" || r.Rectification.Method != "I" || r.Totals.Total.String() != "126.2" {
		t.Errorf("got %s %s %s %+v total %s; want R1 E R by differences, 126.20", r.Kind, r.Type, r.Series, r.Rectification, r.Totals.Total)
	}
	if len(c.Original) != 1 || c.Original[0].Type != InvoiceCorrected {
		t.Errorf("original gets %v, want invoice.corrected", c.Original)
	}
	if _, err := inv.Correct(CorrectionInput{Reason: "x", Kind: "R5"}, "inv_3", nil, 2, now); !facturo.IsCode(err, facturo.CodeParameterInvalid) {
		t.Errorf("R5 of a complete invoice: %v, want parameter_invalid", err)
	}
}

func TestSpanishRectifyingBySubstitution(t *testing.T) {
	s := esIssued(t, "F1")
	inv := foldInv(t, s)
	c, err := inv.Correct(CorrectionInput{Reason: "Precio", Kind: "R4", Method: "S", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "inv_2", nil, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	note := &stream{id: "inv_2"}
	note.append(t, c.CreditNote)
	r := foldInv(t, note)
	if r.Kind != "R4" || r.Type != TypeIncome || r.Totals.Total.String() != "126.2" || r.Rectification.Base.String() != "200" || r.Rectification.Tax.String() != "52.4" {
		t.Errorf("got %s %s total %s rectified %+v; want R4 I 126.20 restating 200.00 and 52.40", r.Kind, r.Type, r.Totals.Total, r.Rectification)
	}
	s.append(t, c.Original)
	if o := foldInv(t, s); o.Status != StatusCanceled || o.Cancellation.Substitution != "inv_2" {
		t.Errorf("original %s %+v, want canceled in favour of inv_2", o.Status, o.Cancellation)
	}
	if _, err := inv.Correct(CorrectionInput{Reason: "x", Method: "S"}, "inv_3", nil, 2, now); !facturo.IsCode(err, facturo.CodeParameterInvalid) {
		t.Errorf("substituting every line: %v, want parameter_invalid", err)
	}
}

func TestSpanishSimplifiedIsRectifiedWithR5(t *testing.T) {
	inv := foldInv(t, esIssued(t, "F2"))
	c, err := inv.Correct(CorrectionInput{Reason: "Devolución"}, "inv_2", nil, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	note := &stream{id: "inv_2"}
	note.append(t, c.CreditNote)
	if r := foldInv(t, note); r.Kind != "R5" {
		t.Errorf("kind %s, want R5", r.Kind)
	}
	if _, err := inv.Correct(CorrectionInput{Reason: "x", Kind: "R1"}, "inv_3", nil, 2, now); !facturo.IsCode(err, facturo.CodeParameterInvalid) {
		t.Errorf("R1 of a simplified invoice: %v, want parameter_invalid", err)
	}
}

func TestSpanishCancellation(t *testing.T) {
	inv := foldInv(t, esIssued(t, "F1"))
	d, err := inv.Cancel(CancelInput{Reason: "01", Substitution: "inv_9"}, nil, now)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "reason")
	d, err = inv.Cancel(CancelInput{Reason: "04"}, nil, now)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "reason")
	if d, err := inv.Cancel(CancelInput{Reason: "02"}, nil, now); err != nil || len(d) != 1 {
		t.Errorf("reason 02: %v", err)
	}
}
