package natsjs

import (
	"encoding/json"
	"fmt"

	"github.com/facturo/facturo/events"
	"github.com/nats-io/nats.go/jetstream"
)

// Decode reads an event from a JetStream message of the EVENTS stream and
// upcasts it to the current schema of its type.
func Decode(msg jetstream.Msg) (events.Event, error) {
	var e events.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil {
		return e, fmt.Errorf("decode event on %s: %w", msg.Subject(), err)
	}
	if err := events.Upcast(&e); err != nil {
		return e, err
	}
	return e, nil
}
