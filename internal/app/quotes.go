package app

import (
	"context"
	"time"

	"github.com/facturo/facturo/internal/command"
)

// QuoteExpirer appends quote.expired to every sent quote whose expires_at
// has come, so that a quote's status is recorded by the worker instead of
// computed by whoever reads it. Each pass takes the due expiries one
// transaction at a time (command.ExpireDueQuote: FOR UPDATE SKIP LOCKED),
// so any number of workers share them and none is expired twice.
type QuoteExpirer struct {
	Commands command.Store
	Now      func() time.Time // time.Now when nil; tests inject their clock
	Every    time.Duration    // between passes; one second when zero
}

// Run makes a pass every Every until ctx ends; an error ends it for the
// supervisor to restart.
func (x *QuoteExpirer) Run(ctx context.Context) error {
	every := x.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := x.Pass(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Pass expires every quote due now.
func (x *QuoteExpirer) Pass(ctx context.Context) error {
	now := time.Now
	if x.Now != nil {
		now = x.Now
	}
	for ctx.Err() == nil {
		found, err := command.ExpireDueQuote(ctx, x.Commands, command.QuoteExpiryMeta(now()))
		if err != nil || !found {
			return err
		}
	}
	return nil
}
