package webhooks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
)

// Delivery statuses. A delivery is one event for one endpoint; it is
// pending until an attempt succeeds (succeeded) or the schedule runs out
// (failed). Test-mode events are recorded as skipped and sent only on an
// explicit resend.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	DeliverySkipped   = "skipped"
)

// ValidDeliveryStatus reports whether s names a delivery status.
func ValidDeliveryStatus(s string) bool {
	switch s {
	case DeliveryPending, DeliverySucceeded, DeliveryFailed, DeliverySkipped:
		return true
	}
	return false
}

// Payload is the body of every delivery: the public event, as GET
// /v1/events/{id} shows it.
type Payload = events.EventView

// PayloadData is the data of a Payload.
type PayloadData = events.EventData

// Body renders a delivery body from the event alone, private fields
// stripped, as data.object: the body of a ping (which is about no stored
// object). Stored events are rendered with their object (events.Body, which
// the composition root gives the fan-out). Either is computed once and
// stored: every attempt sends (and signs) the same bytes.
func Body(e events.Event) ([]byte, error) {
	data := events.PublicData(e)
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	v := Payload{ID: e.ID, Object: "event", Type: e.Type, CreatedAt: e.CreatedAt.UTC(), Livemode: e.Livemode,
		Organization: e.OrgID, SchemaVersion: max(e.SchemaVersion, 1), Resource: e.StreamID, ResourceVersion: e.StreamVersion,
		Data: PayloadData{Object: data}}
	if e.Metadata.RequestID != "" {
		v.Request = &events.EventRequest{ID: e.Metadata.RequestID, KeyID: e.Metadata.KeyID}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("webhook body of %s: %w", e.ID, err)
	}
	return b, nil
}

// AttemptResult is what one HTTP attempt produced.
type AttemptResult struct {
	At         time.Time
	StatusCode int // 0 when no response arrived
	Duration   time.Duration
	Body       string // response body, truncated to MaxResponseBody, valid UTF-8
	Truncated  bool
	Error      string // transport error or a note on the status
	RetryAfter time.Duration
}

// Decision is what follows an attempt.
type Decision struct {
	Status        string    // new delivery status
	NextAttemptAt time.Time // when Status is pending
	// DisableEndpoint, if set, is the reason to disable the endpoint.
	DisableEndpoint string
}

// Decide maps an attempt's result to the delivery's next state.
// attemptsMade counts this attempt. retries is false for deliveries that
// must not be retried automatically (test mode: resends and pings only).
func Decide(res AttemptResult, schedule []time.Duration, attemptsMade int, retries bool) Decision {
	outcome := OutcomeRetry
	if res.StatusCode != 0 {
		outcome = Classify(res.StatusCode)
	}
	switch outcome {
	case OutcomeSuccess:
		return Decision{Status: DeliverySucceeded}
	case OutcomeDisable:
		return Decision{Status: DeliveryFailed, DisableEndpoint: DisabledGone}
	}
	if !retries {
		return Decision{Status: DeliveryFailed}
	}
	var retryAfter time.Duration
	if outcome == OutcomeThrottled {
		retryAfter = res.RetryAfter
	}
	next, ok := NextAttempt(schedule, attemptsMade, retryAfter, res.At)
	if !ok {
		return Decision{Status: DeliveryFailed}
	}
	return Decision{Status: DeliveryPending, NextAttemptAt: next}
}

// Claimed is a delivery leased to one worker for one attempt.
type Claimed struct {
	DeliveryID string
	Token      string // the lease; completion counts only while it holds
	EndpointID string
	OrgID      string
	Livemode   bool
	URL        string
	Secrets    []string // current secret first, then the previous during a rotation's grace
	EventID    string   // the webhook-id header
	Body       []byte
	// Resource and ResourceVersion are the object the event is about and
	// the version of its stream the event made (the facturo-resource and
	// facturo-resource-version headers); "" for a ping.
	Resource        string
	ResourceVersion int
	// NotBefore is the send slot a rate-limited endpoint's claim gave the
	// delivery: it is not sent earlier. Zero: at once.
	NotBefore time.Time
	Attempts  int  // attempts made, this one included
	Retries   bool // false: one attempt only (test mode)
	// Fifo: the endpoint receives its deliveries one at a time, in order,
	// so recording this attempt may make its next delivery claimable.
	Fifo bool
}

// ClaimRequest bounds a claim.
type ClaimRequest struct {
	Owner       string
	Max         int            // deliveries at most
	Lease       time.Duration  // hidden from other workers for this long
	PerEndpoint int            // at most this many held per endpoint...
	Held        map[string]int // ...counting those the worker already holds (claimed, not yet done)
}

// String names a claim in logs.
func (c Claimed) String() string {
	return fmt.Sprintf("delivery %s (event %s → %s, attempt %d)", c.DeliveryID, c.EventID, c.EndpointID, c.Attempts)
}
