package webhooks

import (
	"net/http"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		status int
		want   Outcome
	}{
		{200, OutcomeSuccess},
		{201, OutcomeSuccess},
		{202, OutcomeSuccess},
		{204, OutcomeSuccess},
		{299, OutcomeSuccess},
		{0, OutcomeRetry},
		{100, OutcomeRetry},
		{199, OutcomeRetry},
		{300, OutcomeRetry},
		{301, OutcomeRetry},
		{302, OutcomeRetry},
		{304, OutcomeRetry},
		{307, OutcomeRetry},
		{308, OutcomeRetry},
		{400, OutcomeRetry},
		{401, OutcomeRetry},
		{403, OutcomeRetry},
		{404, OutcomeRetry},
		{409, OutcomeRetry},
		{410, OutcomeDisable},
		{413, OutcomeRetry},
		{429, OutcomeThrottled},
		{500, OutcomeRetry},
		{501, OutcomeRetry},
		{502, OutcomeThrottled},
		{503, OutcomeThrottled},
		{504, OutcomeThrottled},
		{599, OutcomeRetry},
		{999, OutcomeRetry},
	}
	for _, tt := range tests {
		if got := Classify(tt.status); got != tt.want {
			t.Errorf("Classify(%d) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		o         Outcome
		str       string
		retryable bool
	}{
		{OutcomeSuccess, "success", false},
		{OutcomeRetry, "retry", true},
		{OutcomeThrottled, "throttled", true},
		{OutcomeDisable, "disable", false},
		{Outcome(0), "Outcome(0)", false},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.o.Retryable(); got != tt.retryable {
			t.Errorf("%v.Retryable() = %v, want %v", tt.o, got, tt.retryable)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 30 ", 30 * time.Second, true},
		{"86400", 24 * time.Hour, true},
		{"86401", MaxRetryAfter, true},
		{"99999999999999999999999", MaxRetryAfter, true},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"5s", 0, false},
		{date(90 * time.Second), 90 * time.Second, true},
		{date(-time.Hour), 0, true},
		{date(48 * time.Hour), MaxRetryAfter, true},
		{"Sunday, 01-Mar-26 12:05:00 GMT", 5 * time.Minute, true}, // RFC 850
		{"Sun Mar  1 12:00:30 2026", 30 * time.Second, true},      // asctime
		{"Sun, 01 Mar 2026 12:00:30 +0100", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
