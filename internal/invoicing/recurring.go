package invoicing

import (
	"errors"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// Recurring invoice event types.
const (
	RecurringCreated   = "recurring_invoice.created"
	RecurringUpdated   = "recurring_invoice.updated"
	RecurringPaused    = "recurring_invoice.paused"
	RecurringResumed   = "recurring_invoice.resumed"
	RecurringGenerated = "recurring_invoice.generated"
	RecurringDeleted   = "recurring_invoice.deleted"
)

var recurringEvents = []events.TypeInfo{
	{Name: RecurringCreated, Description: "A recurring invoice template was created."},
	{Name: RecurringUpdated, Description: "A recurring invoice template was changed; data holds the whole template."},
	{Name: RecurringPaused, Description: "A recurring invoice was paused: no invoice is generated until it is resumed."},
	{Name: RecurringResumed, Description: "A paused recurring invoice was resumed from its next period on; the periods it was paused through are skipped."},
	{Name: RecurringGenerated, Description: "A recurring invoice generated an invoice, for a scheduled period or on demand."},
	{Name: RecurringDeleted, Description: "A recurring invoice template was deleted; it generates nothing more."},
}

// Recurring invoice statuses.
const (
	RecurringActive    = "active"
	RecurringPausedNow = "paused"
	RecurringCompleted = "completed" // every period of the schedule was generated
)

// RecurringInvoiceInput is the body of POST /v1/recurring_invoices: the
// invoice to make each period (as for POST /v1/invoices, read again at
// each period: the client and products as they are then), and when.
type RecurringInvoiceInput struct {
	Invoice    InvoiceInput `json:"invoice" facturo:"required"`
	Interval   string       `json:"interval" facturo:"required;enum=daily|weekly|monthly|yearly"`
	DayOfMonth int          `json:"day_of_month,omitempty" facturo:"min=1;max=31"`
	StartAt    *time.Time   `json:"start_at,omitempty"` // default: now
	EndAt      *time.Time   `json:"end_at,omitempty"`
	Count      int          `json:"count,omitempty" facturo:"min=1;max=1000"`
	Issue      bool         `json:"issue,omitempty"`
	Send       bool         `json:"send,omitempty"`
}

// RecurringInvoicePatch is the body of PATCH /v1/recurring_invoices/{id}:
// the invoice (replaced whole), the end of the schedule and what to do
// with each invoice. The interval and start never change.
type RecurringInvoicePatch struct {
	Invoice *InvoiceInput `json:"invoice,omitempty"`
	EndAt   *time.Time    `json:"end_at,omitempty"`
	Count   *int          `json:"count,omitempty" facturo:"min=1;max=1000"`
	Issue   *bool         `json:"issue,omitempty"`
	Send    *bool         `json:"send,omitempty"`
}

// RecurringTemplate is what a recurring invoice holds: the data of
// recurring_invoice.created and .updated, with NextPeriod, the first period
// still to generate.
type RecurringTemplate struct {
	Invoice InvoiceInput `json:"invoice"`
	Schedule
	Issue      bool `json:"issue"`
	Send       bool `json:"send"`
	NextPeriod int  `json:"next_period"`
}

// RecurringPause is the data of recurring_invoice.paused: Reason says why
// when the worker paused it because its invoice could not be made.
type RecurringPause struct {
	Reason string `json:"reason,omitempty"`
}

// RecurringResume is the data of recurring_invoice.resumed.
type RecurringResume struct {
	NextPeriod int `json:"next_period"`
}

// RecurringRun is the data of recurring_invoice.generated: one run, its
// invoice, and the scheduled period it was for (nil for generate now).
type RecurringRun struct {
	Run       string    `json:"run"`
	Invoice   string    `json:"invoice"`
	Period    *int      `json:"period"`
	PeriodAt  time.Time `json:"period_at"`
	SendError string    `json:"send_error,omitempty"`
}

// RecurringInvoice is a template that the worker turns into an invoice at
// each period of its schedule.
type RecurringInvoice struct {
	Meta
	RecurringTemplate
	Paused      bool
	PauseReason string
	Deleted     bool
	Generated   int
	LastInvoice string
}

// NewRecurringInvoice decides a new template. client and products are those
// in.Invoice names, as for NewInvoice: the invoice is checked now as it
// would be made. Periods before now are skipped, never generated.
func NewRecurringInvoice(rules Rules, in RecurringInvoiceInput, client *Client, products map[string]*Product, now time.Time) ([]events.Draft, error) {
	s := Schedule{Interval: in.Interval, DayOfMonth: in.DayOfMonth, StartAt: now.UTC(), EndAt: in.EndAt, Count: in.Count}
	if in.StartAt != nil {
		s.StartAt = in.StartAt.UTC()
	}
	if s.EndAt != nil {
		end := s.EndAt.UTC()
		s.EndAt = &end
	}
	tpl := RecurringTemplate{Invoice: in.Invoice, Schedule: s, Issue: in.Issue, Send: in.Send}
	if err := tpl.validate(rules, client, products); err != nil {
		return nil, err
	}
	tpl.NextPeriod = s.FirstFrom(0, now)
	return one(RecurringCreated, tpl), nil
}

func (tpl *RecurringTemplate) validate(rules Rules, client *Client, products map[string]*Product) error {
	s := tpl.Schedule
	switch {
	case s.Interval != IntervalDaily && s.Interval != IntervalWeekly && s.Interval != IntervalMonthly && s.Interval != IntervalYearly:
		return invalid("interval", "interval is daily, weekly, monthly or yearly.")
	case s.DayOfMonth != 0 && (s.Interval != IntervalMonthly || s.DayOfMonth > 31 || s.DayOfMonth < 1):
		return invalid("day_of_month", "day_of_month (1 to 31) goes with interval monthly only.")
	case s.Count < 0 || s.Count > MaxRecurringCount:
		return invalid("count", "count must be from 1 to %d.", MaxRecurringCount)
	case s.EndAt != nil && s.EndAt.Before(s.StartAt):
		return invalid("end_at", "end_at must not be before start_at.")
	case tpl.Send && !tpl.Issue:
		return invalid("send", "Only issued invoices are sent: set issue to true to send them.")
	case tpl.Invoice.Global != nil:
		return invalid("invoice.global", "A recurring invoice is made out to a client; leave global out.")
	}
	c, err := newContent(rules, tpl.Invoice, client, products)
	if err != nil {
		return UnderInvoice(err)
	}
	if tpl.Send && c.Client.Email == "" {
		return invalid("send", "The client has no email to send the invoices to.")
	}
	tpl.Invoice.Series = c.Series
	return nil
}

// UnderInvoice moves a field error of a recurring invoice's invoice under
// "invoice.", where its body holds it.
func UnderInvoice(err error) error {
	var fe *facturo.Error
	if errors.As(err, &fe) && fe.Param != "" {
		e := *fe
		e.Param = "invoice." + fe.Param
		return &e
	}
	return err
}

// Status is active, paused or completed.
func (r *RecurringInvoice) Status() string {
	switch {
	case r.Paused:
		return RecurringPausedNow
	case !r.Has(r.NextPeriod):
		return RecurringCompleted
	}
	return RecurringActive
}

// NextRunAt is when the next scheduled period is due; nil when none is (a
// paused, completed or deleted template).
func (r *RecurringInvoice) NextRunAt() *time.Time {
	if !r.Exists() || r.Status() != RecurringActive {
		return nil
	}
	at := r.At(r.NextPeriod)
	return &at
}

func (r *RecurringInvoice) mustExist() error {
	if !r.Exists() {
		return notFound("recurring_invoice", r.ID)
	}
	return nil
}

// Update decides a change of the template; client and products are those
// the new invoice names (or the current one's, when p.Invoice is nil). A
// completed schedule that a later end_at or a higher count extends goes on
// from the first period at or after now: the periods between are skipped,
// as when resuming.
func (r *RecurringInvoice) Update(rules Rules, p RecurringInvoicePatch, client *Client, products map[string]*Product, now time.Time) ([]events.Draft, error) {
	if err := r.mustExist(); err != nil {
		return nil, err
	}
	next := r.RecurringTemplate
	setIf(&next.Invoice, p.Invoice)
	setIf(&next.Count, p.Count)
	setIf(&next.Issue, p.Issue)
	setIf(&next.Send, p.Send)
	if p.EndAt != nil {
		end := p.EndAt.UTC()
		next.EndAt = &end
	}
	if err := next.validate(rules, client, products); err != nil {
		return nil, err
	}
	if r.Status() == RecurringCompleted && next.Has(next.NextPeriod) {
		next.NextPeriod = next.FirstFrom(next.NextPeriod, now)
	}
	if sameJSON(next, r.RecurringTemplate) {
		return nil, nil
	}
	return one(RecurringUpdated, next), nil
}

// Pause decides active → paused; reason is empty for a pause asked for.
func (r *RecurringInvoice) Pause(reason string) ([]events.Draft, error) {
	if err := r.mustExist(); err != nil {
		return nil, err
	}
	if s := r.Status(); s != RecurringActive {
		return nil, invalidState("The recurring invoice is %s; only an active one can be paused.", s)
	}
	return one(RecurringPaused, RecurringPause{Reason: reason}), nil
}

// Resume decides paused → active. The schedule goes on from the first
// period at or after now: the periods it was paused through are skipped,
// never generated afterwards.
func (r *RecurringInvoice) Resume(now time.Time) ([]events.Draft, error) {
	if err := r.mustExist(); err != nil {
		return nil, err
	}
	if !r.Paused {
		return nil, invalidState("The recurring invoice is %s; only a paused one can be resumed.", r.Status())
	}
	return one(RecurringResumed, RecurringResume{NextPeriod: r.FirstFrom(r.NextPeriod, now)}), nil
}

// Delete decides the deletion of the template.
func (r *RecurringInvoice) Delete() ([]events.Draft, error) {
	if err := r.mustExist(); err != nil {
		return nil, err
	}
	return one(RecurringDeleted, Empty{}), nil
}

// NewInvoice decides the invoice of one run, dated periodAt and linked to
// the template, from the client and products as they are now.
func (r *RecurringInvoice) NewInvoice(rules Rules, client *Client, products map[string]*Product, periodAt time.Time) ([]events.Draft, error) {
	c, err := newContent(rules, r.Invoice, client, products)
	if err != nil {
		return nil, UnderInvoice(err)
	}
	at := periodAt.UTC()
	c.RecurringInvoice, c.RecurringPeriod = r.ID, &at
	return one(InvoiceCreated, c), nil
}

// Record decides recurring_invoice.generated for run. A scheduled run
// (run.Period set) must be for the next period of an active template: a
// run for any other period is refused, so a period is never generated
// twice.
func (r *RecurringInvoice) Record(run RecurringRun) ([]events.Draft, error) {
	if err := r.mustExist(); err != nil {
		return nil, err
	}
	if run.Period != nil && (r.Status() != RecurringActive || *run.Period != r.NextPeriod) {
		return nil, invalidState("Period %d of the recurring invoice is not due (it is %s, next period %d).", *run.Period, r.Status(), r.NextPeriod)
	}
	return one(RecurringGenerated, run), nil
}

// Exists reports whether the template was created and not deleted.
func (r *RecurringInvoice) Exists() bool { return r.Version > 0 && !r.Deleted }

// Apply folds one event into the template.
func (r *RecurringInvoice) Apply(e events.Event) error {
	const kind = "recurring_invoice"
	switch e.Type {
	case RecurringCreated, RecurringUpdated:
		var tpl RecurringTemplate
		if err := decodeInto(kind, e, &tpl); err != nil {
			return err
		}
		r.RecurringTemplate = tpl
	case RecurringPaused:
		var p RecurringPause
		if err := decodeInto(kind, e, &p); err != nil {
			return err
		}
		r.Paused, r.PauseReason = true, p.Reason
	case RecurringResumed:
		var res RecurringResume
		if err := decodeInto(kind, e, &res); err != nil {
			return err
		}
		r.Paused, r.PauseReason, r.NextPeriod = false, "", res.NextPeriod
	case RecurringGenerated:
		var run RecurringRun
		if err := decodeInto(kind, e, &run); err != nil {
			return err
		}
		if run.Period != nil {
			r.NextPeriod = *run.Period + 1
		}
		r.Generated, r.LastInvoice = r.Generated+1, run.Invoice
	case RecurringDeleted:
		r.Deleted = true
	default:
		return unknownEvent(kind, e)
	}
	r.stamp(e)
	return nil
}

// FoldRecurringInvoice folds a recurring invoice stream.
func FoldRecurringInvoice(history []events.Event) (*RecurringInvoice, error) {
	return fold[RecurringInvoice](history)
}
