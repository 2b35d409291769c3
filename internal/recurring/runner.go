// Package recurring runs the worker component that turns recurring
// invoice templates into invoices when their periods fall due.
package recurring

import (
	"context"
	"log/slog"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
)

// Runner generates the invoices of due periods. Any number of runners, in
// any number of workers, may run at once: each period is claimed in
// PostgreSQL by the transaction that generates it
// (command.RunDueRecurring), so it is generated exactly once, and a runner
// that dies before its commit leaves the period due for the next claim.
type Runner struct {
	Store command.Store
	// Clock is the time the runner goes by; time.Now when nil. Tests
	// advance a fake one instead of sleeping.
	Clock func() time.Time
	// Every is the pause between passes (default 10s).
	Every time.Duration
	Log   *slog.Logger
}

// Run makes a pass every Every until ctx ends, and returns the error that
// stopped it (to its supervisor).
func (r *Runner) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, err := r.Pass(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Pass generates the invoices of every period due at the clock's time when
// it starts, a template's missed periods included (one invoice per period,
// oldest first), and returns how many it generated. It is bounded: periods
// that fall due while it runs wait for the next pass.
func (r *Runner) Pass(ctx context.Context) (int, error) {
	start := time.Now()
	now := r.now()
	made, conflicts := 0, 0
	for ctx.Err() == nil {
		out, err := command.RunDueRecurring(ctx, r.Store, events.Metadata{Source: "worker"}, now)
		if facturo.IsCode(err, facturo.CodeVersionConflict) && conflicts < 3 {
			conflicts++ // a request changed the template meanwhile: claim again, on its new state
			continue
		}
		if err != nil {
			return made, err
		}
		conflicts = 0
		if !out.Claimed {
			break
		}
		if out.Invoice != nil {
			made++
		}
		if out.Paused != nil && r.Log != nil {
			r.Log.Warn("recurring invoice paused: its invoice cannot be made",
				"recurring_invoice", out.Due.Template, "period", out.Due.Period, "cause", out.Paused)
		}
	}
	if made > 0 && r.Log != nil {
		r.Log.Info("recurring invoices generated", "invoices", made, "took", time.Since(start))
	}
	return made, ctx.Err()
}

func (r *Runner) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}
