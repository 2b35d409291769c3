package httpapi

import (
	"net/http"
	"strings"
)

// What another front end of the same commands needs from the API (the
// dashboard, internal/dashboard): the same strict decoding and field
// rules, the same status table, the same authentication, and the same
// request wrapper. Routes registered there are not API routes: they stay
// out of Routes() and of the OpenAPI document.

// DecodeJSON decodes body into v exactly as the API decodes a request
// body (unknown fields, field rules, text checks), so a caller that builds
// the body from a form validates like the API and fails with its errors.
func DecodeJSON(body []byte, v any) error { return decodeBytes(body, v) }

// ErrorStatus is the HTTP status the API answers err with (the one status
// table, errors.go); 500 for an error that is not a *facturo.Error.
func ErrorStatus(err error) int { return errorStatus(err) }

// Wrap gives h what every API request gets: a request id (X-Request-Id and
// RequestID), a log line, the request metrics, and recovery from a panic.
func (s *Server) Wrap(h http.Handler) http.Handler { return s.outer(h) }

// AuthenticateKey authenticates raw, a key the caller holds out of band
// (the dashboard's session cookie), as the API would authenticate it in
// the Authorization header of r: the same cache, bcrypt, throttle,
// revocation, expiry and IP allowlist, and a failure is audited like an
// API request's.
func (a *Authenticator) AuthenticateKey(r *http.Request, raw string, need Auth) (Principal, error) {
	probe := r.Clone(r.Context())
	probe.URL.RawQuery = "" // the dashboard's own query is no credential
	probe.Header = http.Header{"Authorization": {"Bearer " + strings.TrimSpace(raw)}}
	if xff, ok := r.Header["X-Forwarded-For"]; ok {
		probe.Header["X-Forwarded-For"] = xff
	}
	p, err := a.Authenticate(probe, need)
	if err != nil {
		a.auditFailure(probe, err)
	}
	return p, err
}
