package postgres

import (
	"context"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
)

// Commands returns the store as the command package uses it: *Tx is a
// command.Tx (Load, Append and the series counters of series.go).
func (s *EventStore) Commands() command.Store { return commandStore{s} }

type commandStore struct{ s *EventStore }

func (c commandStore) Run(ctx context.Context, meta events.Metadata, claim *command.Claim, fn func(command.Tx) error) error {
	_, err := c.s.RunClaimed(ctx, meta, claim, func(tx *Tx) error { return fn(tx) })
	return err
}

func (c commandStore) Load(ctx context.Context, st events.Stream) ([]events.Event, error) {
	return c.s.Load(ctx, st)
}

var _ command.Tx = (*Tx)(nil)
