package relay

import (
	"encoding/json"
	"fmt"

	"github.com/facturo/facturo/events"
	"github.com/nats-io/nats.go/jetstream"
)

func encode(e events.Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	return b, nil
}

// Decode reads an event from a JetStream message and upcasts it to the
// current schema of its type.
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
