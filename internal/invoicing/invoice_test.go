package invoicing

import (
	"testing"
	"time"

	"github.com/facturo/facturo"
)

type fixture struct {
	client   *Client
	product  *Product
	products map[string]*Product
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	cs := &stream{id: "cli_1"}
	d, err := NewClient(validClient())
	cs.must(t, d, err)
	c, _ := FoldClient(cs.history)
	ps := &stream{id: "prd_1"}
	d, err = NewProduct(ProductInput{Description: "Widget", Price: dec("100"), TaxIncluded: ptr(false)})
	ps.must(t, d, err)
	p, _ := FoldProduct(ps.history)
	return fixture{client: c, product: p, products: map[string]*Product{"prd_1": p}}
}

func (f fixture) input() InvoiceInput {
	return InvoiceInput{Client: "cli_1", PaymentForm: "03",
		Items: []ItemInput{{Product: ProductRef{ID: "prd_1"}, Quantity: dec("2")}}}
}

// draftInvoice is a stream holding a draft of 2 × 100 + IVA = 232.00.
func (f fixture) draftInvoice(t *testing.T, live bool) *stream {
	t.Helper()
	s := &stream{id: "inv_1", live: live}
	d, err := NewInvoice(f.input(), f.client, f.products)
	s.must(t, d, err)
	return s
}

func foldInv(t *testing.T, s *stream) *Invoice {
	t.Helper()
	inv, err := FoldInvoice(s.history)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

var now = time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)

func issued(t *testing.T, f fixture, live bool) *stream {
	s := f.draftInvoice(t, live)
	d, err := foldInv(t, s).Issue(nil, 17, now)
	s.must(t, d, err)
	return s
}

func TestInvoiceLifecycle(t *testing.T) {
	f := newFixture(t)
	s := f.draftInvoice(t, false)
	inv := foldInv(t, s)
	if v := inv.View(); v.Status != "draft" || v.Total != "232.00" || v.Client != "cli_1" || v.Series != "A" || v.FolioNumber != nil || v.Currency != "MXN" {
		t.Fatalf("draft view %+v", v)
	}
	d, err := inv.Update(InvoicePatch{Notes: ptr("thanks")}, nil, nil)
	s.must(t, d, err)
	ser := &Series{SeriesInput: SeriesInput{Code: "A", Prefix: "FAC-"}}
	d, err = foldInv(t, s).Issue(ser, 17, now)
	s.must(t, d, err)
	inv = foldInv(t, s)
	if v := inv.View(); v.Status != "valid" || *v.Number != "FAC-17" || *v.FolioNumber != 17 || v.Notes != "thanks" {
		t.Fatalf("issued view %+v", v)
	}
	d, err = inv.Pay(PaymentInput{Amount: dec("32")}, now)
	s.must(t, d, err)
	if inv = foldInv(t, s); inv.Status != StatusValid || inv.View().Balance != "200.00" {
		t.Fatalf("after partial payment: %s balance %s", inv.Status, inv.View().Balance)
	}
	d, err = inv.Pay(PaymentInput{}, now)
	s.must(t, d, err)
	if len(d) != 2 || d[1].Type != InvoicePaid {
		t.Fatalf("final payment drafts %+v", d)
	}
	if inv = foldInv(t, s); inv.Status != StatusPaid || inv.View().PaidTotal != "232.00" {
		t.Fatalf("after final payment: %s", inv.Status)
	}
	d, err = inv.Cancel(CancelInput{Reason: "02"}, nil, now)
	s.must(t, d, err)
	if inv = foldInv(t, s); inv.Status != StatusCanceled || inv.Cancellation.Reason != "02" {
		t.Fatalf("after cancel: %s", inv.Status)
	}
}

func TestInvoiceSnapshotsProduct(t *testing.T) {
	f := newFixture(t)
	s := f.draftInvoice(t, false)
	ps := &stream{id: "prd_1"}
	ps.history = nil
	d, _ := NewProduct(ProductInput{Description: "Widget", Price: dec("100"), TaxIncluded: ptr(false)})
	ps.append(t, d)
	p, _ := FoldProduct(ps.history)
	d, err := p.Update(ProductPatch{Price: dec("999")})
	ps.must(t, d, err)
	if got := foldInv(t, s).View().Total; got != "232.00" {
		t.Errorf("invoice total changed to %s after a product edit", got)
	}
}

func TestNewInvoiceInvalid(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		edit  func(*InvoiceInput)
		code  string
		param string
	}{
		{"no client", func(in *InvoiceInput) { in.Client = "" }, facturo.CodeParameterMissing, "client"},
		{"unknown client", func(in *InvoiceInput) { in.Client = "cli_2" }, facturo.CodeNotFound, "client"},
		{"no items", func(in *InvoiceInput) { in.Items = nil }, facturo.CodeParameterMissing, "items"},
		{"unknown product", func(in *InvoiceInput) { in.Items[0].Product.ID = "prd_9" }, facturo.CodeNotFound, "items[0].product"},
		{"zero quantity", func(in *InvoiceInput) { in.Items[0].Quantity = dec("0") }, facturo.CodeParameterInvalid, "items[0].quantity"},
		{"discount over subtotal", func(in *InvoiceInput) { in.Items[0].Discount = dec("200.01") }, facturo.CodeParameterInvalid, "items[0].discount"},
		{"inline product without price", func(in *InvoiceInput) {
			in.Items[0].Product = ProductRef{Inline: &ProductInput{Description: "x"}}
		}, facturo.CodeParameterMissing, "items[0].product.price"},
		{"bad currency", func(in *InvoiceInput) { in.Currency = "PESOS" }, facturo.CodeParameterInvalid, "currency"},
		{"MXN exchange", func(in *InvoiceInput) { in.Exchange = dec("17.5") }, facturo.CodeParameterInvalid, "exchange"},
		{"PUE without form", func(in *InvoiceInput) { in.PaymentForm = "" }, facturo.CodeParameterMissing, "payment_form"},
		{"PUE with 99", func(in *InvoiceInput) { in.PaymentForm = "99" }, facturo.CodeParameterInvalid, "payment_form"},
		{"PPD with 03", func(in *InvoiceInput) { in.PaymentMethod = "PPD" }, facturo.CodeParameterInvalid, "payment_form"},
		{"bad method", func(in *InvoiceInput) { in.PaymentMethod = "XXX" }, facturo.CodeParameterInvalid, "payment_method"},
		{"bad series", func(in *InvoiceInput) { in.Series = "a b" }, facturo.CodeParameterInvalid, "series"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := f.input()
			tt.edit(&in)
			d, err := NewInvoice(in, f.client, f.products)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
}

func TestInvoiceForeignCurrencyAndPPD(t *testing.T) {
	f := newFixture(t)
	in := f.input()
	in.Currency, in.Exchange, in.PaymentMethod, in.PaymentForm = "usd", dec("17.25"), "PPD", ""
	d, err := NewInvoice(in, f.client, f.products)
	if err != nil {
		t.Fatal(err)
	}
	c := d[0].Data.(InvoiceContent)
	if c.Currency != "USD" || c.PaymentForm != "99" || c.Exchange.String() != "17.25" {
		t.Errorf("content %+v", c)
	}
}

// TestForbiddenTransitions: every action a status forbids is invalid_state
// (or not found once deleted) and decides no events.
func TestForbiddenTransitions(t *testing.T) {
	f := newFixture(t)
	at := map[string]func(t *testing.T) *Invoice{
		"draft": func(t *testing.T) *Invoice { return foldInv(t, f.draftInvoice(t, false)) },
		"valid": func(t *testing.T) *Invoice { return foldInv(t, issued(t, f, false)) },
		"paid": func(t *testing.T) *Invoice {
			s := issued(t, f, false)
			d, err := foldInv(t, s).Pay(PaymentInput{}, now)
			s.must(t, d, err)
			return foldInv(t, s)
		},
		"canceled": func(t *testing.T) *Invoice {
			s := issued(t, f, false)
			d, err := foldInv(t, s).Cancel(CancelInput{Reason: "03"}, nil, now)
			s.must(t, d, err)
			return foldInv(t, s)
		},
		"deleted": func(t *testing.T) *Invoice {
			s := f.draftInvoice(t, false)
			d, err := foldInv(t, s).Delete()
			s.must(t, d, err)
			return foldInv(t, s)
		},
	}
	actions := map[string]func(inv *Invoice) (int, error){
		"update": func(inv *Invoice) (int, error) {
			d, err := inv.Update(InvoicePatch{Notes: ptr("x")}, nil, nil)
			return len(d), err
		},
		"delete": func(inv *Invoice) (int, error) { d, err := inv.Delete(); return len(d), err },
		"issue":  func(inv *Invoice) (int, error) { d, err := inv.Issue(nil, 1, now); return len(d), err },
		"pay":    func(inv *Invoice) (int, error) { d, err := inv.Pay(PaymentInput{}, now); return len(d), err },
		"cancel": func(inv *Invoice) (int, error) {
			d, err := inv.Cancel(CancelInput{Reason: "02"}, nil, now)
			return len(d), err
		},
		"send": func(inv *Invoice) (int, error) { d, err := inv.Send(SendInput{}, now); return len(d), err },
		"correct": func(inv *Invoice) (int, error) {
			c, err := inv.Correct(CorrectionInput{Reason: "r"}, "inv_2", nil, 1, now)
			return len(c.CreditNote) + len(c.Original), err
		},
		"duplicate": func(inv *Invoice) (int, error) { d, err := inv.Duplicate(); return len(d), err },
	}
	allowed := map[string]map[string]bool{
		"draft":    {"update": true, "delete": true, "issue": true, "duplicate": true},
		"valid":    {"pay": true, "cancel": true, "send": true, "correct": true, "duplicate": true},
		"paid":     {"cancel": true, "send": true, "correct": true, "duplicate": true},
		"canceled": {"duplicate": true},
		"deleted":  {},
	}
	for status, build := range at {
		for name, act := range actions {
			t.Run(status+"/"+name, func(t *testing.T) {
				n, err := act(build(t))
				switch {
				case allowed[status][name]:
					if err != nil || n == 0 {
						t.Errorf("allowed: %d drafts, err %v", n, err)
					}
				case status == "deleted":
					wantCode(t, nil, err, facturo.CodeNotFound, "")
				default:
					wantCode(t, nil, err, facturo.CodeInvalidState, "")
				}
				if err != nil && n != 0 {
					t.Errorf("%d drafts with an error", n)
				}
			})
		}
	}
}

func TestSendTestAndLiveMode(t *testing.T) {
	f := newFixture(t)
	d, err := foldInv(t, issued(t, f, false)).Send(SendInput{}, now)
	if err != nil || d[0].Type != InvoiceSendSkipped || d[0].Data.(SendRecord).Reason != "test_mode" {
		t.Errorf("test mode: %+v %v", d, err)
	}
	d, err = foldInv(t, issued(t, f, true)).Send(SendInput{To: []string{"x@y.mx"}}, now)
	if err != nil || d[0].Type != InvoiceSent || d[0].Data.(SendRecord).To[0] != "x@y.mx" {
		t.Errorf("live mode: %+v %v", d, err)
	}
	d, err = foldInv(t, issued(t, f, true)).Send(SendInput{To: []string{"bad"}}, now)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "to[0]")
}

func TestCancelReasons(t *testing.T) {
	f := newFixture(t)
	inv := foldInv(t, issued(t, f, false))
	d, err := inv.Cancel(CancelInput{}, nil, now)
	wantCode(t, d, err, facturo.CodeParameterMissing, "reason")
	d, err = inv.Cancel(CancelInput{Reason: "01"}, nil, now)
	wantCode(t, d, err, facturo.CodeParameterMissing, "substitution")
	d, err = inv.Cancel(CancelInput{Reason: "09"}, nil, now)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "reason")
	if _, err := inv.Cancel(CancelInput{Reason: "01", Substitution: "inv_9"}, nil, now); !facturo.IsCode(err, facturo.CodeNotFound) {
		t.Errorf("unknown substitution: %v, want not found", err)
	}
}

// A substitution is another issued invoice of the same type: not the
// voided invoice itself, not a draft, not a credit note for an invoice.
func TestCancelSubstitution(t *testing.T) {
	f := newFixture(t)
	inv := foldInv(t, issued(t, f, false))
	other := &stream{id: "inv_2"}
	d, err := NewInvoice(f.input(), f.client, f.products)
	other.must(t, d, err)
	draft := foldInv(t, other)
	d, err = draft.Issue(nil, 18, now)
	other.must(t, d, err)
	valid := foldInv(t, other)
	note := *valid
	note.ID, note.Type = "inv_3", TypeEgress
	for _, c := range []struct {
		name string
		id   string
		sub  *Invoice
		code string
	}{
		{"itself", inv.ID, inv, facturo.CodeParameterInvalid},
		{"unknown", "inv_9", nil, facturo.CodeNotFound},
		{"other id", "inv_9", valid, facturo.CodeNotFound},
		{"draft", draft.ID, draft, facturo.CodeParameterInvalid},
		{"credit note", note.ID, &note, facturo.CodeParameterInvalid},
	} {
		d, err := inv.Cancel(CancelInput{Reason: "01", Substitution: c.id}, c.sub, now)
		wantCode(t, d, err, c.code, "substitution")
	}
	d, err = inv.Cancel(CancelInput{Reason: "01", Substitution: valid.ID}, valid, now)
	if err != nil || d[0].Data.(Cancellation).Substitution != valid.ID {
		t.Fatalf("valid substitution: %+v %v", d, err)
	}
}

func TestOverpaymentRefused(t *testing.T) {
	f := newFixture(t)
	d, err := foldInv(t, issued(t, f, false)).Pay(PaymentInput{Amount: dec("232.01")}, now)
	wantCode(t, d, err, facturo.CodeParameterInvalid, "amount")
}

func TestDuplicate(t *testing.T) {
	f := newFixture(t)
	orig := foldInv(t, issued(t, f, false))
	d, err := orig.Duplicate()
	s := &stream{id: "inv_2"}
	s.must(t, d, err)
	dup := foldInv(t, s)
	if dup.Status != StatusDraft || dup.View().Total != "232.00" || dup.DuplicateOf != "inv_1" || dup.FolioNumber != 0 {
		t.Errorf("duplicate %+v", dup.View())
	}
}

func TestFoldInvoiceAsOf(t *testing.T) {
	f := newFixture(t)
	s := issued(t, f, false) // created at t0, issued at t0+1m
	inv, err := FoldInvoiceAsOf(s.history, t0.Add(30*time.Second))
	if err != nil || inv.Status != StatusDraft || inv.Version != 1 {
		t.Errorf("as of before issue: %s v%d %v", inv.Status, inv.Version, err)
	}
	inv, _ = FoldInvoiceAsOf(s.history, t0.Add(time.Minute))
	if inv.Status != StatusValid {
		t.Errorf("as of issue time: %s", inv.Status)
	}
	if inv, _ := FoldInvoiceAsOf(s.history, t0.Add(-time.Second)); inv.Exists() {
		t.Error("exists before its first event")
	}
}

func TestInvoiceFoldDeterministic(t *testing.T) {
	f := newFixture(t)
	s := issued(t, f, true)
	d, err := foldInv(t, s).Pay(PaymentInput{Amount: dec("100")}, now)
	s.must(t, d, err)
	a, b := mustJSON(t, foldInv(t, s).View()), mustJSON(t, foldInv(t, s).View())
	if a != b {
		t.Fatalf("two folds differ:\n%s\n%s", a, b)
	}
}

func TestUnknownEventRefused(t *testing.T) {
	f := newFixture(t)
	s := f.draftInvoice(t, false)
	s.history[0].Type = "invoice.bogus"
	if _, err := FoldInvoice(s.history); err == nil {
		t.Fatal("unknown event folded silently")
	}
}
