package webhooks

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Outcome is what a delivery attempt's HTTP status means for the delivery.
type Outcome int

const (
	// OutcomeSuccess: 2xx, the delivery is done.
	OutcomeSuccess Outcome = iota + 1
	// OutcomeRetry: any other status (3xx included: redirects are not
	// followed); retry per the schedule.
	OutcomeRetry
	// OutcomeThrottled: the receiver is overloaded (429, 502, 503, 504);
	// retry per the schedule, no earlier than its Retry-After.
	OutcomeThrottled
	// OutcomeDisable: 410 Gone, the receiver wants no more webhooks; stop
	// and disable the endpoint.
	OutcomeDisable
)

// Classify maps a response status to an Outcome, per the Standard Webhooks
// status code guidance. Transport errors (no status) are OutcomeRetry too;
// the caller does not need Classify for them.
func Classify(status int) Outcome {
	switch {
	case status >= 200 && status <= 299:
		return OutcomeSuccess
	case status == http.StatusGone:
		return OutcomeDisable
	case status == http.StatusTooManyRequests,
		status == http.StatusServiceUnavailable,
		status == http.StatusBadGateway,
		status == http.StatusGatewayTimeout:
		return OutcomeThrottled
	default:
		return OutcomeRetry
	}
}

// Retryable reports whether the delivery should be tried again.
func (o Outcome) Retryable() bool {
	return o == OutcomeRetry || o == OutcomeThrottled
}

func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeRetry:
		return "retry"
	case OutcomeThrottled:
		return "throttled"
	case OutcomeDisable:
		return "disable"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). A date in the past yields 0. The result is
// capped at MaxRetryAfter. False means absent or unparsable.
func ParseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if isDigits(h) {
		secs, err := strconv.ParseInt(h, 10, 64)
		if err != nil || secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true // only overflow fails here: all digits
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
