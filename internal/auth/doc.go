// Package auth is API authentication, apart from the HTTP middleware that
// applies it (internal/httpapi) and the SQL that stores keys
// (internal/postgres): the token format, bcrypt hashing behind a
// concurrency bound, the cache of verified keys, scopes, IP allowlists, the
// brute-force throttle, and the batcher that records key usage and
// authentication failures off the request path (usage.go). The subpackage
// authnats carries the throttle's gossip and the key-lifecycle events that
// keep every API process's cache in step over NATS; it is apart so that
// the domain packages that use tokens and scopes do not depend on NATS.
//
// The pieces are designed for this order on every request, cheapest and
// safest first, so that a flood of bad keys costs almost nothing:
//
//  1. Parse the bearer token. A malformed token is rejected here, before any
//     database or bcrypt work (count it with Throttle.Fail(ip, "")).
//  2. Cache.Get. A hit is a token proven valid within the TTL: skip 3–6.
//  3. Throttle.Check(ip, t.Prefix()). Blocked: answer 429 with Retry-After.
//  4. epoch := Cache.Epoch(); load the active keys whose stored prefix is
//     t.Prefix() (at most two during a rotation grace period).
//  5. Verifier.Compare against each candidate's hash.
//  6. On a match: Throttle.Succeed and Cache.Put(epoch, ...); otherwise
//     Throttle.Fail.
//
// Then, for every request, cached or not: the key's Allowlist against the
// client IP, the token's mode against the route, and Scopes.Allows.
package auth
