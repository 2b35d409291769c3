package webhooks

import (
	"context"

	"github.com/facturo/facturo/events"
)

// RenderFunc gives the bodies the deliveries of evs send, one per event,
// in order. A fan-out calls it only with the events that have a
// subscribed endpoint: nothing else is rendered.
type RenderFunc func(ctx context.Context, evs []events.Event) ([][]byte, error)

// Completed is one attempt to record: the delivery as claimed, what the
// attempt produced and what follows.
type Completed struct {
	Claimed  Claimed
	Result   AttemptResult
	Decision Decision
}
