package client

import "time"

// WebhookEndpoint is a URL that receives the organization's events, signed
// per Standard Webhooks (verify them with package client/webhook). Secret
// is set only in the answers to WebhookEndpoints.Create and RotateSecret.
type WebhookEndpoint struct {
	ID             string            `json:"id"` // we_...
	Object         string            `json:"object"`
	URL            string            `json:"url"`
	EnabledEvents  []string          `json:"enabled_events"` // event types, or "*"
	Description    string            `json:"description"`
	Metadata       map[string]string `json:"metadata"`
	Status         string            `json:"status"` // enabled or disabled
	DisabledReason string            `json:"disabled_reason,omitempty"`
	// Ordering is "parallel" or "fifo" (one delivery at a time, in event
	// order; a failing one holds those behind it).
	Ordering  string    `json:"ordering"`
	RateLimit *int      `json:"rate_limit"` // deliveries per second at most; nil: no limit
	Livemode  bool      `json:"livemode"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"`  // whsec_...
	Deleted   bool      `json:"deleted,omitempty"` // only in a webhook_endpoint.deleted event
}

// WebhookEndpointInput is the body of WebhookEndpoints.Create.
type WebhookEndpointInput struct {
	URL           string            `json:"url"`
	EnabledEvents []string          `json:"enabled_events"` // event types, or "*"
	Description   string            `json:"description,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	// BackfillSince also delivers the matching events that happened from
	// then (at most 7 days ago) until the endpoint's creation, at most
	// 10,000 of them (more is refused with 400 and nothing is created).
	BackfillSince *time.Time `json:"backfill_since,omitempty"`
	// Ordering is "parallel" (default) or "fifo".
	Ordering string `json:"ordering,omitempty"`
	// RateLimit caps deliveries per second (1 to 10,000); nil: no limit.
	RateLimit *int `json:"rate_limit,omitempty"`
}

// WebhookEndpointPatch is the body of WebhookEndpoints.Update; nil fields
// stay as they are.
type WebhookEndpointPatch struct {
	URL           *string            `json:"url,omitempty"`
	EnabledEvents *[]string          `json:"enabled_events,omitempty"`
	Description   *string            `json:"description,omitempty"`
	Metadata      *map[string]string `json:"metadata,omitempty"`
	Disabled      *bool              `json:"disabled,omitempty"`
	Ordering      *string            `json:"ordering,omitempty"`
	RateLimit     *int               `json:"rate_limit,omitempty"` // 0 removes the limit
}

// Delivery is one event sent to one endpoint, with its attempts. Status is
// pending, succeeded, failed or skipped (test mode sends nothing).
type Delivery struct {
	ID             string     `json:"id"` // del_...
	Object         string     `json:"object"`
	Endpoint       string     `json:"webhook_endpoint"`
	Event          string     `json:"event"` // the event's id
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	AttemptCount   int        `json:"attempt_count"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error,omitempty"`
	Livemode       bool       `json:"livemode"`
	CreatedAt      time.Time  `json:"created_at"`
	Attempts       []Attempt  `json:"attempts,omitempty"` // in single reads only
}

// Attempt is one try of a delivery. ResponseBody is whatever the receiver
// answered: treat it as text.
type Attempt struct {
	ID                string    `json:"id"`
	Object            string    `json:"object"`
	AttemptedAt       time.Time `json:"attempted_at"`
	StatusCode        *int      `json:"status_code"` // nil when no answer came
	DurationMS        int       `json:"duration_ms"`
	ResponseBody      string    `json:"response_body"`
	ResponseTruncated bool      `json:"response_truncated"`
	Error             string    `json:"error,omitempty"`
}

// Recovery is the answer to WebhookEndpoints.Recover.
type Recovery struct {
	Object   string    `json:"object"`
	Endpoint string    `json:"webhook_endpoint"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Requeued int       `json:"requeued"` // failed deliveries queued again
}
