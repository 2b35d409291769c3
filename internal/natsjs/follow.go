package natsjs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
)

// Follow filters the stream of events that Follow reads.
type FollowFilter struct {
	Mode, Org, Type string // empty: any (Type may hold NATS wildcards)
	// Since starts at the messages published at or after this time; zero
	// starts with the next message published.
	Since time.Time
	// Ready, when set, is called once the consumer exists, before the
	// first event: what is published after it is read. Its error ends
	// Follow.
	Ready func() error
}

// Follow reads the EVENTS stream in publish order (an ordered consumer,
// which restarts itself on a gap) and calls fn with each event that
// matches f, until ctx ends (nil) or fn fails (its error).
func Follow(ctx context.Context, stream jetstream.Stream, f FollowFilter, fn func(events.Event) error) error {
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterSubject(f.Mode, f.Org, f.Type)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	}
	if !f.Since.IsZero() {
		since := f.Since
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if f.Ready != nil {
		if err := f.Ready(); err != nil {
			it.Stop()
			return err
		}
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("next: %w", err)
		}
		e, err := Decode(msg)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}
