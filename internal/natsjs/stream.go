package natsjs

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
)

// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id. The relay
// publishes with the event id as Nats-Msg-Id, so a re-publish after a crash
// between PubAck and cursor update is dropped if it happens within it.
const DuplicateWindow = 2 * time.Minute

// StreamConfig is the EVENTS stream: every event, on file, forever. There is
// no age or size limit because replay tools and new consumers read from the
// start; Postgres stays the source of truth and can re-publish any range.
func StreamConfig(replicas int) jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return jetstream.StreamConfig{
		Name:        events.StreamName,
		Description: "Facturo domain events, published by the relay from the Postgres events table",
		Subjects:    []string{events.SubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      0,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		Discard:     jetstream.DiscardOld,
		Duplicates:  DuplicateWindow,
		Replicas:    replicas,
	}
}

// EnsureStream creates the EVENTS stream, or updates it to StreamConfig when
// it exists (every process may call it at start-up). replicas < 1 means 1.
func EnsureStream(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, StreamConfig(replicas))
	if err != nil {
		return nil, fmt.Errorf("natsjs: ensure stream %s: %w", events.StreamName, err)
	}
	return s, nil
}
