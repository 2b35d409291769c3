package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks"
)

// RegisterEventTypes is the one place the event catalogue is assembled:
// each domain package registers the types its aggregates emit, once. A
// type registered twice (by one package or two) is an error.
func RegisterEventTypes(r *events.Registry) error {
	for _, register := range []func(*events.Registry) error{
		accounts.RegisterEvents,
		invoicing.RegisterEvents,
		webhooks.RegisterEvents,
	} {
		if err := register(r); err != nil {
			return fmt.Errorf("event catalogue: %w", err)
		}
	}
	return nil
}

var (
	installOnce sync.Once
	installErr  error
)

// InstallEventTypes fills the process's catalogue (events.Catalogue) with
// RegisterEventTypes, the first time it is called; Connect calls it, and
// so may tests that build parts of a process without Connect.
func InstallEventTypes() error {
	installOnce.Do(func() { installErr = RegisterEventTypes(events.Catalogue) })
	return installErr
}

// RenderEvent is the webhook body of e: the public event with its object,
// folded from e's stream up to e (events.Body), the bytes GET
// /v1/events/{id} answers. The fan-out stores it with each delivery.
func RenderEvent(store *postgres.EventStore) func(ctx context.Context, e events.Event) ([]byte, error) {
	return func(ctx context.Context, e events.Event) ([]byte, error) {
		history, err := store.LoadUpTo(ctx, e)
		if err != nil {
			return nil, err
		}
		if n := len(history); n == 0 || history[n-1].ID != e.ID {
			return nil, fmt.Errorf("render %s: not in its stream %s at version %d", e.ID, e.StreamID, e.StreamVersion)
		}
		return events.Body(history)
	}
}

// RenderEvents is RenderEvent for several events, whose streams it reads
// in one query: the fan-out's renderer for a batch.
func RenderEvents(store *postgres.EventStore) webhooks.RenderFunc {
	return func(ctx context.Context, evs []events.Event) ([][]byte, error) {
		return postgres.RenderAll(ctx, store.DB().Pool, evs, events.Body)
	}
}
