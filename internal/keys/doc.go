// Package keys holds the pure building blocks of API authentication: the
// token format, bcrypt hashing behind a concurrency bound, the cache of
// verified keys, scopes, IP allowlists and the brute-force throttle. Nothing
// here talks to PostgreSQL or HTTP; internal/httpapi wires the pieces.
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
package keys
