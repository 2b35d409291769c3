package webhooks

import (
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	schedule := []time.Duration{time.Second, time.Minute}
	tests := []struct {
		name     string
		res      AttemptResult
		attempts int
		retries  bool
		want     string
		disable  string
		minWait  time.Duration
	}{
		{"2xx succeeds", AttemptResult{StatusCode: 204}, 1, true, DeliverySucceeded, "", 0},
		{"410 disables", AttemptResult{StatusCode: 410}, 1, true, DeliveryFailed, DisabledGone, 0},
		{"500 retries", AttemptResult{StatusCode: 500}, 1, true, DeliveryPending, "", 900 * time.Millisecond},
		{"302 retries", AttemptResult{StatusCode: 302}, 1, true, DeliveryPending, "", 900 * time.Millisecond},
		{"transport error retries", AttemptResult{Error: "refused"}, 2, true, DeliveryPending, "", 54 * time.Second},
		{"429 waits Retry-After", AttemptResult{StatusCode: 429, RetryAfter: time.Hour}, 1, true, DeliveryPending, "", time.Hour},
		{"500 ignores Retry-After", AttemptResult{StatusCode: 500, RetryAfter: time.Hour}, 1, true, DeliveryPending, "", 0},
		{"schedule exhausted", AttemptResult{StatusCode: 500}, 3, true, DeliveryFailed, "", 0},
		{"test mode: one attempt", AttemptResult{StatusCode: 500}, 1, false, DeliveryFailed, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.res.At = now
			got := Decide(tt.res, schedule, tt.attempts, tt.retries)
			if got.Status != tt.want || got.DisableEndpoint != tt.disable {
				t.Fatalf("Decide = %+v, want status %s disable %q", got, tt.want, tt.disable)
			}
			if tt.want == DeliveryPending && got.NextAttemptAt.Sub(now) < tt.minWait {
				t.Errorf("next attempt in %v, want >= %v", got.NextAttemptAt.Sub(now), tt.minWait)
			}
			if tt.name == "500 ignores Retry-After" && got.NextAttemptAt.Sub(now) > 2*time.Second {
				t.Errorf("Retry-After honoured on a 500: %v", got.NextAttemptAt.Sub(now))
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"FACTURO_WEBHOOK_RETRY_SCHEDULE": "1s,2s", "FACTURO_WEBHOOK_DISABLE_AFTER": "3d",
		"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Schedule) != 2 || c.DisableAfter != 72*time.Hour || len(c.AllowNets) != 1 || c.Timeout != DefaultTimeout {
		t.Errorf("config = %+v", c)
	}
	c, err = ConfigFromEnv(func(string) string { return "" })
	if err != nil || c.DisableAfter != DefaultDisableAfter || len(c.Schedule) != len(DefaultSchedule) {
		t.Errorf("defaults = %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{{"FACTURO_WEBHOOK_DISABLE_AFTER": "soon"}, {"FACTURO_WEBHOOK_RETRY_SCHEDULE": "x"},
		{"FACTURO_WEBHOOK_ALLOW_NETS": "nope"}, {"FACTURO_WEBHOOK_TIMEOUT": "1h"}} {
		if _, err := ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
