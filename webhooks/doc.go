// Package webhooks holds the pure pieces of webhook delivery: which
// destinations may be reached (AddressPolicy, ValidateURL, NewHTTPClient),
// when to try again (the retry schedule, Classify, ParseRetryAfter), and,
// in the stdwebhooks subpackage, how deliveries are signed. It talks to no
// database and no message broker; the delivery worker composes these.
package webhooks
