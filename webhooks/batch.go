package webhooks

import (
	"context"

	"github.com/facturo/facturo/events"
)

// RenderFunc gives the bodies the deliveries of evs send, one per event,
// in order. A fan-out calls it only with the events that have a
// subscribed endpoint: nothing else is rendered.
type RenderFunc func(ctx context.Context, evs []events.Event) ([][]byte, error)

// A Fanout is the deliveries a batch of events gets, matched to their
// endpoints and rendered, not yet recorded.
type Fanout struct {
	Events     []events.Event
	Deliveries []FanoutDelivery
}

// FanoutDelivery is the delivery of Events[Event] to Endpoint, sending
// Body.
type FanoutDelivery struct {
	Event    int
	Endpoint string
	Body     []byte
}

// Completed is one attempt to record: the delivery as claimed, what the
// attempt produced and what follows.
type Completed struct {
	Claimed  Claimed
	Result   AttemptResult
	Decision Decision
}
