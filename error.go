// Package facturo holds the domain vocabulary shared by every part of the
// system: the application error type and the tenant that scopes every read
// and write. Technology lives in the packages named after it (internal/postgres,
// internal/httpapi, ...).
package facturo

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Public error codes. Each appears in the API error envelope as `code`; the
// HTTP status and envelope type for every code are fixed in one table in
// internal/httpapi, and documented in docs/errors.md.
const (
	CodeInvalidRequest       = "invalid_request"        // malformed body, unknown or wrongly typed field
	CodeParameterMissing     = "parameter_missing"      // a required field is absent
	CodeParameterInvalid     = "parameter_invalid"      // a field has a value the API does not accept
	CodeBodyTooLarge         = "body_too_large"         // request body over the limit
	CodeUnsupportedMediaType = "unsupported_media_type" // an upload of a kind the route does not take
	CodeNotAcceptable        = "not_acceptable"         // Accept names no type the route answers with
	CodeNotFound             = "resource_missing"       // unknown id, or an id of another tenant
	CodeRouteNotFound        = "route_not_found"        // no such URL
	CodeMethodNotAllowed     = "method_not_allowed"     // URL exists, method does not
	CodeVersionConflict      = "version_conflict"       // a concurrent write won the race
	CodeIdempotencyReused    = "idempotency_key_reused" // same Idempotency-Key, different body
	CodeIdempotencyInUse     = "idempotency_key_in_use" // the first request with this key is still running
	CodeInvalidState         = "invalid_state"          // the resource's status forbids the transition
	CodeLinkExpired          = "link_expired"           // a public link whose time is over
	CodeAlreadyExists        = "resource_exists"        // a unique attribute is taken
	CodeCountryUnsupported   = "country_unsupported"    // the organization's country has no such document
	CodeMissingAPIKey        = "missing_api_key"
	CodeInvalidAPIKey        = "invalid_api_key"
	CodeAPIKeyRevoked        = "api_key_revoked"
	CodeIPNotAllowed         = "ip_not_allowed"
	CodeTooManyAuthFailures  = "too_many_auth_failures"
	CodeTooManyStreams       = "too_many_streams" // a key holds its limit of event streams
	CodeInsufficientScope    = "insufficient_scope"
	CodeAPIDisabled          = "api_disabled"
	CodeCSRFTokenInvalid     = "csrf_token_invalid" // a dashboard form without its session's token
	CodeInvalidScope         = "invalid_scope"
	CodeKeyInQuery           = "api_key_in_query"
	CodeServiceUnavailable   = "service_unavailable"
	CodeInternal             = "internal_error"
)

// Error is the one application error type. Code is public and stable; Message
// is safe to show to the caller; Param names the offending request field, if
// any. Err is the internal cause: it is logged, never shown.
type Error struct {
	Code    string
	Message string
	Param   string
	Err     error
	// RetryAfter, if set, tells the caller when to try again (429, 503).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error with a caller-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ParamError returns an application error about one request field.
func ParamError(code, param, format string, args ...any) *Error {
	return &Error{Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the answer for a missing id and for an id that belongs to
// another tenant alike, so that the two can never be told apart.
// The id is repeated in the message up to maxEchoedID bytes: the caller
// sent it, and may have sent a megabyte.
func NotFound(kind, id string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("No such %s: '%s'", kind, echo(id)), Param: "id"}
}

const maxEchoedID = 64

// echo cuts s to at most maxEchoedID bytes, at a character boundary.
func echo(s string) string {
	if len(s) <= maxEchoedID {
		return s
	}
	cut := maxEchoedID
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ErrorCode returns the code of the application error in err's chain, or
// CodeInternal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the given application error code.
func IsCode(err error, code string) bool {
	return err != nil && ErrorCode(err) == code
}
