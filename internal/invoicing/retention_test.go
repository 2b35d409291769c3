package invoicing

import (
	"testing"

	"github.com/facturo/facturo"
)

func retentionInput() RetentionInput {
	return RetentionInput{Client: "cli_1", Period: RetentionPeriod{FromMonth: 1, ToMonth: 3, Year: 2025},
		Concepts: []RetentionConcept{{Description: "Fees", Amount: dec("1000"),
			Taxes: []TaxInput{{Type: "ISR", Rate: dec("0.10")}, {Type: "IVA", Rate: dec("0.106667")}}}}}
}

func TestRetentionLifecycle(t *testing.T) {
	f := newFixture(t)
	s := &stream{id: "ret_1"}
	d, err := NewRetention(retentionInput(), f.client)
	s.must(t, d, err)
	r, _ := FoldRetention(s.history)
	v := r.View()
	if v.Status != StatusDraft || v.Subtotal != "1000.00" || v.TotalWithheld != "206.67" || v.Total != "793.33" || v.Client != "cli_1" {
		t.Fatalf("draft view %+v", v)
	}
	d, err = r.Issue(now)
	s.must(t, d, err)
	r, _ = FoldRetention(s.history)
	d, err = r.Issue(now)
	wantCode(t, d, err, facturo.CodeInvalidState, "")
	d, err = r.Cancel(now)
	s.must(t, d, err)
	r, _ = FoldRetention(s.history)
	if r.Status != StatusCanceled || r.View().CanceledAt == nil {
		t.Fatalf("after cancel %+v", r.View())
	}
	for _, act := range []func(){
		func() { d, err := r.Issue(now); wantCode(t, d, err, facturo.CodeInvalidState, "") },
		func() { d, err := r.Cancel(now); wantCode(t, d, err, facturo.CodeInvalidState, "") },
	} {
		act()
	}
}

func TestNewRetentionInvalid(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name  string
		edit  func(*RetentionInput)
		code  string
		param string
	}{
		{"no client", func(in *RetentionInput) { in.Client = "" }, facturo.CodeParameterMissing, "client"},
		{"bad month", func(in *RetentionInput) { in.Period.FromMonth = 13 }, facturo.CodeParameterInvalid, "period.from_month"},
		{"months reversed", func(in *RetentionInput) { in.Period.ToMonth = 0 }, facturo.CodeParameterInvalid, "period.to_month"},
		{"no concepts", func(in *RetentionInput) { in.Concepts = nil }, facturo.CodeParameterMissing, "concepts"},
		{"no taxes", func(in *RetentionInput) { in.Concepts[0].Taxes = nil }, facturo.CodeParameterMissing, "concepts[0].taxes"},
		{"no amount", func(in *RetentionInput) { in.Concepts[0].Amount = nil }, facturo.CodeParameterMissing, "concepts[0].amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := retentionInput()
			tt.edit(&in)
			d, err := NewRetention(in, f.client)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
}
