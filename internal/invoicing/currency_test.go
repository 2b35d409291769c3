package invoicing

import (
	"testing"

	"github.com/facturo/facturo"
)

// A currency is an ISO 4217 code, not anything of its shape, and a foreign
// one comes with its exchange rate (a default of 1 would value USD 100 at
// MXN 100).
func TestCurrencyAndExchange(t *testing.T) {
	f := newFixture(t)
	with := func(currency string, exchange string) InvoiceInput {
		in := f.input()
		in.Currency = currency
		if exchange != "" {
			in.Exchange = dec(exchange)
		}
		return in
	}
	for _, tt := range []struct {
		name        string
		in          InvoiceInput
		code, param string
	}{
		{"unknown code", with("XYZ", "1"), facturo.CodeParameterInvalid, "currency"},
		{"not a code", with("DOLLARS", "17.5"), facturo.CodeParameterInvalid, "currency"},
		{"foreign without a rate", with("USD", ""), facturo.CodeParameterMissing, "exchange"},
		{"MXN at another rate", with("MXN", "2"), facturo.CodeParameterInvalid, "exchange"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewInvoice(tt.in, f.client, f.products)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
	for _, in := range []InvoiceInput{with("usd", "17.25"), with("EUR", "18.9"), with("", "")} {
		if _, err := NewInvoice(in, f.client, f.products); err != nil {
			t.Errorf("%s at %v: %v", in.Currency, in.Exchange, err)
		}
	}
	// A draft switched to a foreign currency names its rate.
	s := f.draftInvoice(t, false)
	d, err := foldInv(t, s).Update(InvoicePatch{Currency: ptr("USD")}, nil, nil)
	wantCode(t, d, err, facturo.CodeParameterMissing, "exchange")
	d, err = foldInv(t, s).Update(InvoicePatch{Currency: ptr("USD"), Exchange: dec("17.25")}, nil, nil)
	s.must(t, d, err)
	// Once foreign, other changes need not repeat it.
	d, err = foldInv(t, s).Update(InvoicePatch{Notes: ptr("net 30")}, nil, nil)
	s.must(t, d, err)
}

func TestReceiptCurrencyAndExchange(t *testing.T) {
	f := newFixture(t)
	in := ReceiptInput{PaymentForm: "01", Items: []ItemInput{{Product: ProductRef{ID: "prd_1"}, Quantity: dec("1")}}}
	in.Currency = "XYZ"
	d, err := NewReceipt(in, f.products)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "currency")
	in.Currency = "USD"
	d, err = NewReceipt(in, f.products)
	wantCode(t, d, err, facturo.CodeParameterMissing, "exchange")
	in.Exchange = dec("17.25")
	s := &stream{id: "rcp_1"}
	d, err = NewReceipt(in, f.products)
	s.must(t, d, err)
	rc, err := FoldReceipt(s.history)
	if err != nil {
		t.Fatal(err)
	}
	if v := rc.View(); v.Exchange != "17.25" {
		t.Errorf("receipt exchange %q, want 17.25", v.Exchange)
	}
	// The receipt's invoice inherits the rate.
	invIn, err := rc.CustomerInvoiceInput("cli_1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewInvoice(invIn, f.client, nil); err != nil {
		t.Fatalf("invoice of a USD receipt: %v", err)
	}
}

// A credit note reduces what is left to pay on the original (its CFDI
// "saldo insoluto"); the original stays valid, as a credited CFDI does.
func TestCreditNotesReduceTheBalance(t *testing.T) {
	f := newFixture(t)
	s := issued(t, f, false) // 232.00
	c, err := foldInv(t, s).Correct(CorrectionInput{Reason: "one returned", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "inv_2", nil, 1, now)
	s.must(t, c.Original, err)
	if v := foldInv(t, s).View(); v.Status != StatusValid || v.Balance != "116.00" || v.CorrectedTotal != "116.00" {
		t.Fatalf("after a partial credit note: %s balance %s corrected %s", v.Status, v.Balance, v.CorrectedTotal)
	}
	c, err = foldInv(t, s).Correct(CorrectionInput{Reason: "the other returned", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "inv_3", nil, 2, now)
	s.must(t, c.Original, err)
	inv := foldInv(t, s)
	if v := inv.View(); v.Status != StatusValid || v.Balance != "0.00" || v.CorrectedTotal != "232.00" {
		t.Fatalf("after full credit: %s balance %s corrected %s", v.Status, v.Balance, v.CorrectedTotal)
	}
	d, err := inv.Pay(PaymentInput{}, now)
	wantCode(t, d, err, facturo.CodeInvalidState, "")
}
