package natsjs

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
)

// PoisonOf describes msg, which consumer can never apply because of cause.
// eventID is "" if the message did not decode.
func PoisonOf(consumer string, msg jetstream.Msg, eventID string, cause error) events.Poison {
	p := events.Poison{Consumer: consumer, Subject: msg.Subject(), EventID: eventID, At: time.Now().UTC()}
	if cause != nil {
		p.Error = cause.Error()
	}
	if meta, err := msg.Metadata(); err == nil {
		p.StreamSeq = meta.Sequence.Stream
	}
	return p
}

// Deliveries is how many times msg was delivered, this time included (1
// when unknown).
func Deliveries(msg jetstream.Msg) uint64 {
	if meta, err := msg.Metadata(); err == nil && meta.NumDelivered > 0 {
		return meta.NumDelivered
	}
	return 1
}
