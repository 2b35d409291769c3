package invoicing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

func openReceipt(t *testing.T, id string, price string) *stream {
	t.Helper()
	s := &stream{id: id}
	d, err := NewReceipt(ReceiptInput{PaymentForm: "01", Items: []ItemInput{
		{Product: ProductRef{Inline: &ProductInput{Description: "Coffee", Price: dec(price)}}, Quantity: dec("2")},
	}}, nil)
	s.must(t, d, err)
	return s
}

func foldReceipt(t *testing.T, s *stream) *Receipt {
	t.Helper()
	r, err := FoldReceipt(s.history)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReceiptTransitions(t *testing.T) {
	tests := []struct {
		name   string
		decide func(r *Receipt) ([]events.Draft, error)
		status string
	}{
		{"to customer", func(r *Receipt) ([]events.Draft, error) { return r.InvoiceToCustomer("inv_1") }, ReceiptInvoicedToCustomer},
		{"globally", func(r *Receipt) ([]events.Draft, error) { return r.InvoiceGlobally("inv_1") }, ReceiptInvoicedGlobally},
		{"cancel", (*Receipt).Cancel, ReceiptCanceledStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openReceipt(t, "rcp_1", "116")
			r := foldReceipt(t, s)
			if v := r.View(); v.Status != ReceiptOpen || v.Total != "232.00" || v.Invoice != nil {
				t.Fatalf("open receipt %+v", v)
			}
			d, err := tt.decide(r)
			s.must(t, d, err)
			r = foldReceipt(t, s)
			if r.Status != tt.status {
				t.Errorf("status %s, want %s", r.Status, tt.status)
			}
			// Nothing is allowed once the receipt left open.
			d, err = r.Cancel()
			wantCode(t, d, err, facturo.CodeInvalidState, "")
			d, err = r.InvoiceToCustomer("inv_2")
			wantCode(t, d, err, facturo.CodeInvalidState, "")
			d, err = r.InvoiceGlobally("inv_2")
			wantCode(t, d, err, facturo.CodeInvalidState, "")
		})
	}
}

func TestNewReceiptInvalid(t *testing.T) {
	items := []ItemInput{{Product: ProductRef{Inline: &ProductInput{Description: "x", Price: dec("1")}}}}
	d, err := NewReceipt(ReceiptInput{Items: items}, nil)
	wantCode(t, d, err, facturo.CodeParameterMissing, "payment_form")
	d, err = NewReceipt(ReceiptInput{Items: items, PaymentForm: "99"}, nil)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "payment_form")
	d, err = NewReceipt(ReceiptInput{PaymentForm: "01"}, nil)
	wantCode(t, d, err, facturo.CodeParameterMissing, "items")
}

func TestGlobalInvoice(t *testing.T) {
	a, b := foldReceipt(t, openReceipt(t, "rcp_a", "116")), foldReceipt(t, openReceipt(t, "rcp_b", "10"))
	period := GlobalInfo{Periodicity: PeriodDay, From: t0, To: t0.Add(24 * time.Hour)}
	in, err := GlobalInvoiceInput([]*Receipt{a, b}, period)
	if err != nil {
		t.Fatal(err)
	}
	// The input survives the HTTP layer's JSON round trip.
	raw, _ := json.Marshal(in)
	var back InvoiceInput
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	d, err := NewInvoice(back, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := d[0].Data.(InvoiceContent)
	want := a.Totals.Total.Add(b.Totals.Total)
	if !c.Totals.Total.Equal(want) || c.Client.TaxID != PublicTaxID || c.PaymentForm != "01" || c.Use != "S01" || c.Items[1].Product.SKU != "rcp_b" {
		t.Errorf("global invoice total %s want %s, client %+v form %s", c.Totals.Total, want, c.Client, c.PaymentForm)
	}
	late := GlobalInfo{Periodicity: PeriodDay, From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}
	_, err = GlobalInvoiceInput([]*Receipt{a}, late)
	wantCode(t, nil, err, facturo.CodeParameterInvalid, "receipts")
	_, err = GlobalInvoiceInput([]*Receipt{a}, GlobalInfo{Periodicity: "year", From: t0, To: t0})
	wantCode(t, nil, err, facturo.CodeParameterInvalid, "global.periodicity")
	_, err = NewInvoice(InvoiceInput{Client: "cli_1", Global: &period, Items: back.Items, PaymentForm: "01"}, nil, nil)
	wantCode(t, nil, err, facturo.CodeParameterInvalid, "client")
}
