package app

import (
	"fmt"
	"sync"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
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
