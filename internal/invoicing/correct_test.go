package invoicing

import (
	"testing"

	"github.com/facturo/facturo"
)

func TestCorrectFullThenOver(t *testing.T) {
	f := newFixture(t)
	s := issued(t, f, false)
	c, err := foldInv(t, s).Correct(CorrectionInput{Reason: "returned"}, "inv_2", nil, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	note := &stream{id: "inv_2"}
	note.append(t, c.CreditNote)
	s.append(t, c.Original)
	n := foldInv(t, note)
	if n.Type != TypeEgress || n.Status != StatusValid || n.View().Total != "232.00" || n.Related.Invoice != "inv_1" || *n.View().Number != "A-1" {
		t.Errorf("credit note %+v", n.View())
	}
	orig := foldInv(t, s)
	if orig.View().CorrectedTotal != "232.00" || orig.CreditNotes[0] != "inv_2" {
		t.Errorf("original after correction %+v", orig.View())
	}
	c, err = orig.Correct(CorrectionInput{Reason: "again", Items: []CorrectionItem{{Line: 0, Quantity: dec("0.01")}}}, "inv_3", nil, 2, now)
	wantCode(t, c.CreditNote, err, facturo.CodeParameterInvalid, "items")
	if len(c.Original) != 0 {
		t.Error("over-correction decided events on the original")
	}
	// A credit note is never corrected, paid or duplicated.
	for _, err := range []error{
		func() error { _, err := n.Correct(CorrectionInput{Reason: "x"}, "inv_4", nil, 3, now); return err }(),
		func() error { _, err := n.Pay(PaymentInput{}, now); return err }(),
		func() error { _, err := n.Duplicate(); return err }(),
	} {
		wantCode(t, nil, err, facturo.CodeInvalidState, "")
	}
}

func TestCorrectPartial(t *testing.T) {
	f := newFixture(t)
	s := issued(t, f, false) // 2 × 100 + IVA = 232
	for i, want := range []string{"116.00", "116.00"} {
		c, err := foldInv(t, s).Correct(CorrectionInput{Reason: "one returned", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "cn", nil, int64(i+1), now)
		if err != nil {
			t.Fatalf("correction %d: %v", i, err)
		}
		if got := c.CreditNote[0].Data.(InvoiceContent).Totals.Total; fmtMoney(got) != want {
			t.Errorf("credit note %d total %s, want %s", i, fmtMoney(got), want)
		}
		s.append(t, c.Original)
	}
	_, err := foldInv(t, s).Correct(CorrectionInput{Reason: "third", Items: []CorrectionItem{{Line: 0, Quantity: dec("1")}}}, "cn", nil, 3, now)
	wantCode(t, nil, err, facturo.CodeParameterInvalid, "items")
}

func TestCorrectInvalid(t *testing.T) {
	f := newFixture(t)
	inv := foldInv(t, issued(t, f, false))
	tests := []struct {
		name  string
		in    CorrectionInput
		code  string
		param string
	}{
		{"no reason", CorrectionInput{}, facturo.CodeParameterMissing, "reason"},
		{"bad line", CorrectionInput{Reason: "x", Items: []CorrectionItem{{Line: 1}}}, facturo.CodeParameterInvalid, "items[0].line"},
		{"too many units", CorrectionInput{Reason: "x", Items: []CorrectionItem{{Line: 0, Quantity: dec("3")}}}, facturo.CodeParameterInvalid, "items[0].quantity"},
		{"empty items", CorrectionInput{Reason: "x", Items: []CorrectionItem{}}, facturo.CodeParameterMissing, "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := inv.Correct(tt.in, "cn", nil, 1, now)
			wantCode(t, append(c.CreditNote, c.Original...), err, tt.code, tt.param)
		})
	}
}
