package webhooks

import "time"

// DeliveryView is the public JSON of a delivery in the delivery log.
type DeliveryView struct {
	ID             string        `json:"id"`
	Object         string        `json:"object"`
	Endpoint       string        `json:"webhook_endpoint"`
	Event          string        `json:"event"`
	EventType      string        `json:"event_type"`
	Status         string        `json:"status"`
	AttemptCount   int           `json:"attempt_count"`
	NextAttemptAt  *time.Time    `json:"next_attempt_at"`
	LastAttemptAt  *time.Time    `json:"last_attempt_at"`
	LastStatusCode *int          `json:"last_status_code"`
	LastError      string        `json:"last_error,omitempty"`
	Livemode       bool          `json:"livemode"`
	CreatedAt      time.Time     `json:"created_at"`
	Attempts       []AttemptView `json:"attempts,omitempty"` // single reads only
}

// AttemptView is one attempt of a delivery. ResponseBody is whatever the
// receiver answered, as a JSON string: clients must treat it as text, and
// the API's JSON encoder escapes <, > and & in it.
type AttemptView struct {
	ID                string    `json:"id"`
	Object            string    `json:"object"`
	AttemptedAt       time.Time `json:"attempted_at"`
	StatusCode        *int      `json:"status_code"`
	DurationMS        int       `json:"duration_ms"`
	ResponseBody      string    `json:"response_body"`
	ResponseTruncated bool      `json:"response_truncated"`
	Error             string    `json:"error,omitempty"`
}

// DeliveryFilter narrows the delivery log.
type DeliveryFilter struct {
	Status    string
	EventType string
}
