package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/recurring"
	"github.com/shopspring/decimal"
)

// recurringPass: n monthly templates (issue, no send) due at the same
// minute, and one runner's pass over them with its clock at that minute:
// how long the one bounded pass takes and its invoices/s, against the
// same n invoices created and issued through the invoice commands in a
// loop (one writer too). The system's own runner never sees them due: the
// minute is a year ahead.
func recurringPass(ctx context.Context, s *system, n int) ([]Row, error) {
	org, _, client, err := s.newOrganization("recurring@example.com", "Recurring")
	if err != nil {
		return nil, err
	}
	st, t := s.svc.Store.Commands(), facturo.Tenant{OrgID: org, Livemode: true}
	due := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Minute)
	price, no := decimal.RequireFromString("100.00"), false
	in := invoicing.InvoiceInput{Client: client, PaymentForm: "03", Items: []invoicing.ItemInput{
		{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Hosting", Price: &price, TaxIncluded: &no}}}}}
	meta := func() command.Meta {
		return command.Meta{Metadata: events.Metadata{Source: "bench"}, Now: time.Now()}
	}
	for range n {
		if _, err := command.CreateRecurringInvoice(ctx, st, t, meta(), invoicing.RecurringInvoiceInput{
			Invoice: in, Interval: invoicing.IntervalMonthly, StartAt: &due, Issue: true}); err != nil {
			return nil, err
		}
	}
	r := &recurring.Runner{Store: st, Clock: func() time.Time { return due }}
	start := time.Now()
	made, err := r.Pass(ctx)
	pass := time.Since(start)
	if err != nil || made != n {
		return nil, fmt.Errorf("recurring pass made %d invoices of %d: %v", made, n, err)
	}
	start = time.Now()
	for range n {
		inv, err := command.CreateInvoice(ctx, st, t, meta(), in)
		if err != nil {
			return nil, err
		}
		if _, err := command.IssueInvoice(ctx, st, t, meta(), inv.ID, command.None{}); err != nil {
			return nil, err
		}
	}
	loop := time.Since(start)
	perSec := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	return []Row{{fmt.Sprintf("recurring invoices/s, one runner's pass over %d templates due at one minute (pass %s)", n, pass.Round(time.Millisecond)),
		f1(perSec(pass)), f1(perSec(loop)) + fmt.Sprintf(" (the same %d invoices created and issued through the commands in a loop, %s)", n, loop.Round(time.Millisecond)),
		ratio(perSec(pass), perSec(loop))}}, nil
}
