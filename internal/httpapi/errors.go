package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/facturo/facturo"
)

// Envelope types, as in Stripe's API.
const (
	typeInvalidRequest = "invalid_request_error"
	typeAuthentication = "authentication_error"
	typePermission     = "permission_error"
	typeRateLimit      = "rate_limit_error"
	typeIdempotency    = "idempotency_error"
	typeAPI            = "api_error"
)

// errorTable is the one mapping from error code to HTTP status and envelope
// type. A code missing here is a bug; it answers 500.
var errorTable = map[string]struct {
	status int
	typ    string
}{
	facturo.CodeInvalidRequest:       {http.StatusBadRequest, typeInvalidRequest},
	facturo.CodeParameterMissing:     {http.StatusBadRequest, typeInvalidRequest},
	facturo.CodeParameterInvalid:     {http.StatusBadRequest, typeInvalidRequest},
	facturo.CodeInvalidScope:         {http.StatusBadRequest, typeInvalidRequest},
	facturo.CodeKeyInQuery:           {http.StatusBadRequest, typeInvalidRequest},
	facturo.CodeBodyTooLarge:         {http.StatusRequestEntityTooLarge, typeInvalidRequest},
	facturo.CodeUnsupportedMediaType: {http.StatusUnsupportedMediaType, typeInvalidRequest},
	facturo.CodeNotAcceptable:        {http.StatusNotAcceptable, typeInvalidRequest},
	facturo.CodeNotFound:             {http.StatusNotFound, typeInvalidRequest},
	facturo.CodeRouteNotFound:        {http.StatusNotFound, typeInvalidRequest},
	facturo.CodeMethodNotAllowed:     {http.StatusMethodNotAllowed, typeInvalidRequest},
	facturo.CodeVersionConflict:      {http.StatusConflict, typeInvalidRequest},
	facturo.CodeInvalidState:         {http.StatusConflict, typeInvalidRequest},
	facturo.CodeCountryUnsupported:   {http.StatusConflict, typeInvalidRequest},
	facturo.CodeLinkExpired:          {http.StatusGone, typeInvalidRequest},
	facturo.CodeAlreadyExists:        {http.StatusConflict, typeInvalidRequest},
	facturo.CodeIdempotencyReused:    {http.StatusConflict, typeIdempotency},
	facturo.CodeIdempotencyInUse:     {http.StatusConflict, typeIdempotency},
	facturo.CodeMissingAPIKey:        {http.StatusUnauthorized, typeAuthentication},
	facturo.CodeInvalidAPIKey:        {http.StatusUnauthorized, typeAuthentication},
	facturo.CodeAPIKeyRevoked:        {http.StatusUnauthorized, typeAuthentication},
	facturo.CodeIPNotAllowed:         {http.StatusUnauthorized, typeAuthentication},
	facturo.CodeTooManyAuthFailures:  {http.StatusTooManyRequests, typeRateLimit},
	facturo.CodeTooManyStreams:       {http.StatusTooManyRequests, typeRateLimit},
	facturo.CodeInsufficientScope:    {http.StatusForbidden, typePermission},
	facturo.CodeAPIDisabled:          {http.StatusForbidden, typePermission},
	facturo.CodeCSRFTokenInvalid:     {http.StatusForbidden, typePermission},
	facturo.CodeServiceUnavailable:   {http.StatusServiceUnavailable, typeAPI},
	facturo.CodeInternal:             {http.StatusInternalServerError, typeAPI},
}

// ErrorCodes lists every code the API can answer with (docs and tests).
func ErrorCodes() []string {
	out := make([]string, 0, len(errorTable))
	for c := range errorTable {
		out = append(out, c)
	}
	return out
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Type      string `json:"type"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Param     string `json:"param,omitempty"`
	RequestID string `json:"request_id"`
	DocURL    string `json:"doc_url"`
}

// writeError answers err in the envelope. Application errors show their
// message; anything else is logged with its cause and answered generically.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var appErr *facturo.Error
	if !errors.As(err, &appErr) {
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", loggedPath(r.URL.Path))
		appErr = &facturo.Error{Code: facturo.CodeInternal, Message: "An internal error occurred; it was logged. Retry later or contact support with the request id."}
	}
	m, ok := errorTable[appErr.Code]
	if !ok {
		log.ErrorContext(r.Context(), "error code missing from table", "code", appErr.Code, "err", err)
		m = errorTable[facturo.CodeInternal]
	}
	if m.status >= 500 && appErr.Code != facturo.CodeInternal {
		log.ErrorContext(r.Context(), "server error", "err", err)
	}
	if appErr.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(appErr.RetryAfter)))
	}
	writeJSON(w, m.status, errorBody{Error: errorDetail{
		Type: m.typ, Code: appErr.Code, Message: clipMessage(appErr.Message), Param: shown(appErr.Param),
		RequestID: RequestID(r.Context()), DocURL: docURL(r, appErr.Code),
	}})
}

// maxMessage bounds an error message. No message of the API's own is
// longer; one that quotes the request ("'...' is not a valid email
// address.") is clipped so that it never repeats more than about maxEcho
// characters of it.
const maxMessage = 2 * maxEcho

func clipMessage(m string) string {
	m = strings.ToValidUTF8(m, "\uFFFD")
	if utf8.RuneCountInString(m) <= maxMessage {
		return m
	}
	return string([]rune(m)[:maxMessage]) + "…"
}
