package invoicing

import "time"

// RecurringInvoiceView is the public JSON of a recurring invoice. client
// and series are the invoice's, at the top level for the list filters.
type RecurringInvoiceView struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Livemode          bool         `json:"livemode"`
	CreatedAt         *time.Time   `json:"created_at"`
	UpdatedAt         *time.Time   `json:"updated_at"`
	Status            string       `json:"status"`
	PauseReason       *string      `json:"pause_reason"`
	Client            string       `json:"client"`
	Series            string       `json:"series"`
	Invoice           InvoiceInput `json:"invoice"`
	Interval          string       `json:"interval"`
	DayOfMonth        *int         `json:"day_of_month"`
	StartAt           *time.Time   `json:"start_at"`
	EndAt             *time.Time   `json:"end_at"`
	Count             *int         `json:"count"`
	Issue             bool         `json:"issue"`
	Send              bool         `json:"send"`
	NextRunAt         *time.Time   `json:"next_run_at"`
	InvoicesGenerated int          `json:"invoices_generated"`
	LastInvoice       *string      `json:"last_invoice"`
	Deleted           bool         `json:"deleted,omitempty"`
}

// View is the public JSON of the recurring invoice.
func (r *RecurringInvoice) View() RecurringInvoiceView {
	v := RecurringInvoiceView{
		ID: r.ID, Object: "recurring_invoice", Livemode: r.Livemode,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		Status: r.Status(), Client: r.Invoice.Client, Series: r.Invoice.Series, Invoice: r.Invoice,
		Interval: r.Interval, StartAt: utc(r.StartAt), EndAt: r.EndAt,
		Issue: r.Issue, Send: r.Send, NextRunAt: r.NextRunAt(),
		InvoicesGenerated: r.Generated, Deleted: r.Deleted,
	}
	if v.Invoice.Metadata == nil {
		v.Invoice.Metadata = map[string]string{}
	}
	if r.Interval == IntervalMonthly {
		day := r.DayOfMonth
		if day == 0 {
			day = r.StartAt.UTC().Day()
		}
		v.DayOfMonth = &day
	}
	if r.Count > 0 {
		v.Count = &r.Count
	}
	if r.PauseReason != "" {
		v.PauseReason = &r.PauseReason
	}
	if r.LastInvoice != "" {
		v.LastInvoice = &r.LastInvoice
	}
	return v
}

// Preview is when the next n scheduled periods fall, fewer when the
// schedule ends first; none while paused.
func (r *RecurringInvoice) Preview(n int) []time.Time {
	out := []time.Time{}
	if r.Status() != RecurringActive {
		return out
	}
	for p := r.NextPeriod; len(out) < n && r.Has(p); p++ {
		out = append(out, r.At(p))
	}
	return out
}
