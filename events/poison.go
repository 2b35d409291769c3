package events

import "time"

// Poison is a message of the EVENTS stream that a consumer can never apply:
// it does not decode, its upcast fails, or applying it keeps failing while
// everything else works. The consumer records it (table poison_events),
// logs and counts it, and goes on with the rest of the stream instead of
// retrying it forever; `worker events poison` lists them. Once the cause is
// fixed (a new upcaster, a code fix) the event can be republished from the
// events table.
type Poison struct {
	Consumer  string    `json:"consumer"`    // the durable consumer or projection that gave up
	StreamSeq uint64    `json:"stream_seq"`  // the message's sequence in the EVENTS stream
	Subject   string    `json:"subject"`     // its subject
	EventID   string    `json:"event_id"`    // "" when it did not decode
	Error     string    `json:"error"`       // why it cannot be applied
	At        time.Time `json:"recorded_at"` // when it was recorded
}
