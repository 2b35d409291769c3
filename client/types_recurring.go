package client

import "time"

// RecurringInvoice is a template the worker turns into an invoice at each
// period of its schedule. Status is active, paused or completed.
type RecurringInvoice struct {
	ID                string       `json:"id"` // rinv_...
	Object            string       `json:"object"`
	Livemode          bool         `json:"livemode"`
	CreatedAt         *time.Time   `json:"created_at"`
	UpdatedAt         *time.Time   `json:"updated_at"`
	Status            string       `json:"status"`
	PauseReason       *string      `json:"pause_reason"` // set when the worker paused it: its invoice could not be made
	Client            string       `json:"client"`
	Series            string       `json:"series"`
	Invoice           InvoiceInput `json:"invoice"`  // what each period's invoice is made from
	Interval          string       `json:"interval"` // daily, weekly, monthly or yearly
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

// RecurringInvoiceInput is the body of RecurringInvoices.Create.
type RecurringInvoiceInput struct {
	Invoice    InvoiceInput `json:"invoice"`
	Interval   string       `json:"interval"`               // daily, weekly, monthly or yearly
	DayOfMonth int          `json:"day_of_month,omitempty"` // monthly: 1..31, default the start's day
	StartAt    *time.Time   `json:"start_at,omitempty"`     // default now
	EndAt      *time.Time   `json:"end_at,omitempty"`
	Count      int          `json:"count,omitempty"` // how many periods, 1..1000
	Issue      bool         `json:"issue,omitempty"` // issue each invoice (else a draft)
	Send       bool         `json:"send,omitempty"`  // and email it to the client (needs Issue)
}

// RecurringInvoicePatch is the body of RecurringInvoices.Update; nil
// fields stay as they are.
type RecurringInvoicePatch struct {
	Invoice *InvoiceInput `json:"invoice,omitempty"`
	EndAt   *time.Time    `json:"end_at,omitempty"`
	Count   *int          `json:"count,omitempty"`
	Issue   *bool         `json:"issue,omitempty"`
	Send    *bool         `json:"send,omitempty"`
}

// RecurringPreview is when the next scheduled periods fall.
type RecurringPreview struct {
	Object string      `json:"object"`
	Dates  []time.Time `json:"dates"`
}
