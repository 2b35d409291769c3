package invoicing

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// A completed schedule that a higher count extends goes on from the first
// period at or after the change, like a resume: the periods in between
// are not invoiced afterwards.
func TestExtendingACompletedScheduleSkipsThePast(t *testing.T) {
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	s := &stream{id: "rinv_1"}
	price := decimal.RequireFromString("10")
	client := &Client{Meta: Meta{ID: "cli_1", Version: 1}}
	in := InvoiceInput{Client: "cli_1", PaymentForm: "03", Items: []ItemInput{{Product: ProductRef{Inline: &ProductInput{Description: "Hosting", Price: &price}}}}}
	d, err := NewRecurringInvoice(mexicoRules, RecurringInvoiceInput{Invoice: in, Interval: IntervalDaily, StartAt: &start, Count: 1}, client, nil, start)
	s.must(t, d, err)
	r, err := FoldRecurringInvoice(s.history)
	if err != nil {
		t.Fatal(err)
	}
	period := 0
	d, err = r.Record(RecurringRun{Run: "rrun_1", Invoice: "inv_1", Period: &period, PeriodAt: start})
	s.must(t, d, err)
	if r, _ = FoldRecurringInvoice(s.history); r.Status() != RecurringCompleted {
		t.Fatalf("status %s after its only period, want completed", r.Status())
	}
	count := 30
	d, err = r.Update(mexicoRules, RecurringInvoicePatch{Count: &count}, client, nil, start.AddDate(0, 0, 10).Add(time.Hour))
	s.must(t, d, err)
	r, _ = FoldRecurringInvoice(s.history)
	if next := r.NextRunAt(); next == nil || !next.Equal(start.AddDate(0, 0, 11)) {
		t.Fatalf("next run %v, want %s (days 1 to 10 skipped)", next, start.AddDate(0, 0, 11))
	}
}
