package webhooks

import "github.com/facturo/facturo/events"

// Fanned is an event to fan out with the body its deliveries send.
type Fanned struct {
	Event events.Event
	Body  []byte
}

// Completed is one attempt to record: the delivery as claimed, what the
// attempt produced and what follows.
type Completed struct {
	Claimed  Claimed
	Result   AttemptResult
	Decision Decision
}
