package command

import (
	"context"
	"errors"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
)

// Recurring invoices. Every command that appends to a template writes its
// schedule row (Tx.ScheduleRecurring) in the same transaction, so the row
// the worker claims always says what the stream says.

// CreateRecurringInvoice creates a template; its invoice is checked as
// CreateInvoice would check it.
func CreateRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.RecurringInvoiceInput) (*invoicing.RecurringInvoice, error) {
	k := invoicing.RecurringKind
	return run(ctx, st, m, func(tx Tx) (*invoicing.RecurringInvoice, error) {
		rules, client, products, err := recurringRefs(ctx, tx, t, in.Invoice)
		if err != nil {
			return nil, err
		}
		drafts, err := invoicing.NewRecurringInvoice(rules, in, client, products, m.Now)
		if err != nil {
			return nil, err
		}
		created, err := tx.Append(ctx, stream(t, k.New()), 0, drafts...)
		if err != nil {
			return nil, err
		}
		return scheduled(ctx, tx, t, created)
	})
}

// UpdateRecurringInvoice changes a template's invoice, end or options.
func UpdateRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, p invoicing.RecurringInvoicePatch) (*invoicing.RecurringInvoice, error) {
	return changeRecurring(ctx, st, t, m, templateID, func(tx Tx, r *invoicing.RecurringInvoice) ([]events.Draft, error) {
		in := r.Invoice
		if p.Invoice != nil {
			in = *p.Invoice
		}
		rules, client, products, err := recurringRefs(ctx, tx, t, in)
		if err != nil {
			return nil, err
		}
		return r.Update(rules, p, client, products, m.Now)
	})
}

// PauseRecurringInvoice stops a template's schedule until it is resumed.
func PauseRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, _ None) (*invoicing.RecurringInvoice, error) {
	return changeRecurring(ctx, st, t, m, templateID, func(_ Tx, r *invoicing.RecurringInvoice) ([]events.Draft, error) {
		return r.Pause("")
	})
}

// ResumeRecurringInvoice goes on with a paused template from its first
// period at or after now.
func ResumeRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, _ None) (*invoicing.RecurringInvoice, error) {
	return changeRecurring(ctx, st, t, m, templateID, func(_ Tx, r *invoicing.RecurringInvoice) ([]events.Draft, error) {
		return r.Resume(m.Now)
	})
}

// DeleteRecurringInvoice deletes a template; the invoices it generated stay.
func DeleteRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, _ None) (*invoicing.RecurringInvoice, error) {
	return changeRecurring(ctx, st, t, m, templateID, func(_ Tx, r *invoicing.RecurringInvoice) ([]events.Draft, error) {
		return r.Delete()
	})
}

// GenerateRecurringInvoice makes the template's invoice now, outside its
// schedule: the next scheduled period stays where it was. It returns the
// invoice, whose events name the run as their causation.
func GenerateRecurringInvoice(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, _ None) (*invoicing.Invoice, error) {
	if err := pathID(invoicing.RecurringKind, templateID); err != nil {
		return nil, err
	}
	runID := id.New(id.RecurringRun)
	m.CausationID = runID
	return run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		r, history, err := lockTemplate(ctx, tx, t, templateID)
		if err != nil {
			return nil, err
		}
		inv, _, err := generate(ctx, tx, t, r, invoicing.RecurringRun{Run: runID, PeriodAt: m.Now.UTC()}, history, m.Now)
		return inv, err
	})
}

// RunOutcome is what one RunDueRecurring did.
type RunOutcome struct {
	Claimed bool               // a due period was found
	Invoice *invoicing.Invoice // the invoice generated for it, if any
	Paused  error              // why the template was paused instead
	Due     DueRun
}

// RunDueRecurring generates the invoice of one due period of any tenant,
// in one transaction: it claims the template's schedule row (skipping rows
// other workers hold), appends the invoice (issued, and sent, if the
// template says so) and recurring_invoice.generated, and moves the row to
// the next period. A crash before the commit leaves all of it undone and
// the row due, for the next claim. The events name the run as their
// causation; the invoice is dated for its period.
//
// A period whose invoice cannot be made (the client was deleted, the
// series is gone) pauses the template, with the reason in
// recurring_invoice.paused, so that it does not hold the others up.
func RunDueRecurring(ctx context.Context, st Store, meta events.Metadata, now time.Time) (RunOutcome, error) {
	runID := id.New(id.RecurringRun)
	meta.CausationID = runID
	m := Meta{Metadata: meta, Now: now}
	var out RunOutcome
	_, err := run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		due, ok, err := tx.ClaimDueRecurring(ctx, now)
		if err != nil || !ok {
			return nil, err
		}
		out = RunOutcome{Claimed: true, Due: due}
		out.Invoice, err = runDue(ctx, tx, due, runID, now)
		return out.Invoice, err
	})
	var fe *facturo.Error
	if err != nil && out.Claimed && errors.As(err, &fe) && fe.Code != facturo.CodeVersionConflict {
		out.Paused = err
		return out, pauseFailed(ctx, st, meta, now, out, fe)
	}
	return out, err
}

// runDue generates the invoice of due, claimed in tx. A schedule row that
// no longer matches its stream (never expected: both are written in one
// transaction) is set right and generates nothing.
func runDue(ctx context.Context, tx Tx, due DueRun, runID string, now time.Time) (*invoicing.Invoice, error) {
	t, k := due.Tenant, invoicing.RecurringKind
	history, err := tx.Load(ctx, stream(t, due.Template))
	if err != nil {
		return nil, err
	}
	r, err := k.Fold(history)
	if err != nil {
		return nil, err
	}
	if !r.Exists() || r.NextRunAt() == nil || r.NextPeriod != due.Period {
		return nil, tx.ScheduleRecurring(ctx, t, r.ID, r.NextRunAt(), r.NextPeriod)
	}
	period := due.Period
	rec := invoicing.RecurringRun{Run: runID, Period: &period, PeriodAt: r.At(period)}
	inv, _, err := generate(ctx, tx, t, r, rec, history, now)
	return inv, err
}

// pauseFailed pauses the template whose due period could not be made, in
// a transaction of its own (the failed one rolled back), unless someone
// changed it meanwhile.
func pauseFailed(ctx context.Context, st Store, meta events.Metadata, now time.Time, out RunOutcome, cause *facturo.Error) error {
	m := Meta{Metadata: meta, Now: now}
	t, period := out.Due.Tenant, out.Due.Period
	_, err := run(ctx, st, m, func(tx Tx) (*invoicing.RecurringInvoice, error) {
		if err := tx.LockRecurring(ctx, t, out.Due.Template); err != nil {
			return nil, err
		}
		history, err := tx.Load(ctx, stream(t, out.Due.Template))
		if err != nil {
			return nil, err
		}
		r, err := invoicing.RecurringKind.Fold(history)
		if err != nil || r.NextRunAt() == nil || r.NextPeriod != period {
			return nil, err
		}
		drafts, err := r.Pause("Period " + r.At(period).Format(time.RFC3339) + ": " + cause.Message)
		if err != nil {
			return nil, err
		}
		added, err := tx.Append(ctx, stream(t, r.ID), len(history), drafts...)
		if err != nil {
			return nil, err
		}
		return scheduled(ctx, tx, t, append(history, added...))
	})
	return err
}

// generate appends the invoice of one run of r (folded from history) and
// recurring_invoice.generated, and writes r's schedule: the invoice is
// made as CreateInvoice makes it, issued as IssueInvoice issues it (dated
// rec.PeriodAt) and sent as SendInvoice sends it, when r says so. A send
// the invoice refuses (its client has no email any more) is recorded in
// the run's send_error rather than losing the invoice.
func generate(ctx context.Context, tx Tx, t facturo.Tenant, r *invoicing.RecurringInvoice, rec invoicing.RecurringRun, history []events.Event, now time.Time) (*invoicing.Invoice, *invoicing.RecurringInvoice, error) {
	rules, client, products, err := recurringRefs(ctx, tx, t, r.Invoice)
	if err != nil {
		return nil, nil, err
	}
	drafts, err := r.NewInvoice(rules, client, products, rec.PeriodAt)
	if err != nil {
		return nil, nil, err
	}
	invoice := stream(t, invoicing.InvoiceKind.New())
	invEvents, err := tx.Append(ctx, invoice, 0, drafts...)
	if err != nil {
		return nil, nil, err
	}
	inv, err := invoicing.FoldInvoice(invEvents)
	if err == nil && r.Issue {
		inv, err = issueAndSend(ctx, tx, t, r.Send, invoice, invEvents, &rec, now)
	}
	if err != nil {
		return nil, nil, err
	}
	rec.Invoice = invoice.ID
	recorded, err := r.Record(rec)
	if err != nil {
		return nil, nil, err
	}
	added, err := tx.Append(ctx, stream(t, r.ID), len(history), recorded...)
	if err != nil {
		return nil, nil, err
	}
	r, err = scheduled(ctx, tx, t, append(history, added...))
	return inv, r, err
}

// issueAndSend issues the draft of stream st (read up to history), dated
// rec.PeriodAt, and sends it when send is set. A send the invoice refuses
// (its client has no email any more) is noted in rec.SendError instead.
func issueAndSend(ctx context.Context, tx Tx, t facturo.Tenant, send bool, st events.Stream, history []events.Event, rec *invoicing.RecurringRun, now time.Time) (*invoicing.Invoice, error) {
	inv, err := invoicing.FoldInvoice(history)
	if err != nil {
		return nil, err
	}
	inv, history, err = appendTo(ctx, tx, st, history, func() ([]events.Draft, error) { return issue(ctx, tx, t, inv, rec.PeriodAt) })
	if err != nil || !send {
		return inv, err
	}
	drafts, err := inv.Send(invoicing.SendInput{}, now)
	var refused *facturo.Error
	if errors.As(err, &refused) {
		rec.SendError = refused.Message
		return inv, nil
	}
	if err != nil {
		return nil, err
	}
	inv, _, err = appendTo(ctx, tx, st, history, func() ([]events.Draft, error) { return drafts, nil })
	return inv, err
}

// appendTo appends what decide chooses to an invoice stream read up to
// history and returns the invoice after it.
func appendTo(ctx context.Context, tx Tx, st events.Stream, history []events.Event, decide func() ([]events.Draft, error)) (*invoicing.Invoice, []events.Event, error) {
	drafts, err := decide()
	if err != nil {
		return nil, nil, err
	}
	added, err := tx.Append(ctx, st, len(history), drafts...)
	if err != nil {
		return nil, nil, err
	}
	history = append(history, added...)
	inv, err := invoicing.FoldInvoice(history)
	return inv, history, err
}

// scheduled folds a template's stream and writes its schedule row.
func scheduled(ctx context.Context, tx Tx, t facturo.Tenant, history []events.Event) (*invoicing.RecurringInvoice, error) {
	r, err := invoicing.RecurringKind.Fold(history)
	if err != nil {
		return nil, err
	}
	return r, tx.ScheduleRecurring(ctx, t, r.ID, r.NextRunAt(), r.NextPeriod)
}

// changeRecurring folds the template, lets decide choose, appends that at
// the version read and writes the schedule row, in one transaction.
func changeRecurring(ctx context.Context, st Store, t facturo.Tenant, m Meta, templateID string, decide func(Tx, *invoicing.RecurringInvoice) ([]events.Draft, error)) (*invoicing.RecurringInvoice, error) {
	return run(ctx, st, m, func(tx Tx) (*invoicing.RecurringInvoice, error) {
		if err := pathID(invoicing.RecurringKind, templateID); err != nil {
			return nil, err
		}
		r, history, err := lockTemplate(ctx, tx, t, templateID)
		if err != nil {
			return nil, err
		}
		drafts, err := decide(tx, r)
		if err != nil {
			return nil, err
		}
		added, err := tx.Append(ctx, stream(t, templateID), len(history), drafts...)
		if err != nil {
			return nil, err
		}
		return scheduled(ctx, tx, t, append(history, added...))
	})
}

// lockTemplate takes the template's schedule lock (Tx.LockRecurring)
// before reading it, and folds the existing template from its stream.
func lockTemplate(ctx context.Context, tx Tx, t facturo.Tenant, templateID string) (*invoicing.RecurringInvoice, []events.Event, error) {
	if err := tx.LockRecurring(ctx, t, templateID); err != nil {
		return nil, nil, err
	}
	history, err := tx.Load(ctx, stream(t, templateID))
	if err != nil {
		return nil, nil, err
	}
	r, err := invoicing.RecurringKind.FoldExisting(templateID, history)
	return r, history, err
}

// recurringRefs reads the rules of t's country and what a template's
// invoice names, as CreateInvoice does, with errors on the fields under
// invoice.
func recurringRefs(ctx context.Context, tx Tx, t facturo.Tenant, in invoicing.InvoiceInput) (invoicing.Rules, *invoicing.Client, map[string]*invoicing.Product, error) {
	rules, err := rulesOf(ctx, tx, t)
	if err != nil {
		return rules, nil, nil, err
	}
	client, products, err := invoiceRefs(ctx, tx, t, rules, in)
	return rules, client, products, invoicing.UnderInvoice(err)
}
