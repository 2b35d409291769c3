// Package webhooks is the webhook domain: endpoints and their events
// (endpoint.go), which destinations may be reached (AddressPolicy,
// ValidateURL, NewHTTPClient), what is sent (Body), when to try again (the
// retry schedule, Classify, ParseRetryAfter, Decide) and, in the
// stdwebhooks subpackage, how deliveries are signed. It talks to no
// database and no message broker: the delivery subpackage runs the fan-out
// and the delivery worker on these pieces, and internal/postgres stores
// deliveries.
package webhooks
