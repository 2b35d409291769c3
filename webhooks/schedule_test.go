package webhooks

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
)

func TestDefaultSchedule(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	if !slices.Equal(DefaultSchedule, want) {
		t.Fatalf("DefaultSchedule = %v, want %v", DefaultSchedule, want)
	}
	// Eight attempts: the immediate one and seven retries.
	now := time.Unix(0, 0)
	attempts := 0
	for ; attempts < 100; attempts++ {
		if _, ok := NextAttempt(DefaultSchedule, attempts, 0, now); !ok {
			break
		}
	}
	if attempts != 8 {
		t.Fatalf("default schedule allows %d attempts, want 8", attempts)
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    []time.Duration
		wantErr string
	}{
		{in: "1s,2s,5s", want: []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}},
		{in: " 5s , 5m,30m,2h ", want: []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}},
		{in: "0s,100ms", want: []time.Duration{0, 100 * time.Millisecond}},
		{in: "1h30m", want: []time.Duration{90 * time.Minute}},
		{in: "", wantErr: "empty"},
		{in: "  ", wantErr: "empty"},
		{in: "1s,,2s", wantErr: `entry 2 ""`},
		{in: "1s,2s,", wantErr: `entry 3 ""`},
		{in: "5", wantErr: `entry 1 "5"`},
		{in: "1s,soon", wantErr: `entry 2 "soon"`},
		{in: "-1s", wantErr: `entry 1 "-1s"`},
		{in: "1s,200h", wantErr: `entry 2 "200h"`},
		{in: strings.Repeat("1s,", 50) + "1s", wantErr: "51 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSchedule(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSchedule(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestScheduleBackOffIsABackOff(t *testing.T) {
	b := &ScheduleBackOff{Delays: []time.Duration{time.Second, 2 * time.Second}}
	var got []time.Duration
	for d := b.NextBackOff(); d != backoff.Stop; d = b.NextBackOff() {
		got = append(got, d)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Fatalf("delays without jitter = %v, want %v", got, want)
	}
	if d := b.NextBackOff(); d != backoff.Stop {
		t.Fatalf("after the end NextBackOff = %v, want Stop", d)
	}
	b.Reset()
	if d := b.NextBackOff(); d != time.Second {
		t.Fatalf("after Reset NextBackOff = %v, want 1s", d)
	}
}

func TestScheduleBackOffWithRetry(t *testing.T) {
	b := &ScheduleBackOff{Delays: []time.Duration{0, 0, 0}}
	calls := 0
	err := backoff.Retry(func() error { calls++; return errors.New("down") }, b)
	if err == nil || calls != 4 {
		t.Fatalf("backoff.Retry: err=%v after %d calls, want an error after 4", err, calls)
	}
}

func TestScheduleBackOffJitterExtremes(t *testing.T) {
	tests := []struct {
		random float64
		want   time.Duration
	}{
		{0, 90 * time.Second},
		{0.5, 100 * time.Second},
		{0.999999, 110 * time.Second},
	}
	for _, tt := range tests {
		b := &ScheduleBackOff{
			Delays:              []time.Duration{100 * time.Second},
			RandomizationFactor: 0.1,
			Rand:                func() float64 { return tt.random },
		}
		got := b.NextBackOff()
		if diff := (got - tt.want).Abs(); diff > time.Millisecond {
			t.Errorf("random %v: delay %v, want about %v", tt.random, got, tt.want)
		}
	}
}

// Property: every delay NextAttempt picks lies within ±DefaultJitter of the
// nominal one, and the draws actually vary.
func TestNextAttemptJitterBounds(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, nominal := range DefaultSchedule {
		lo := time.Duration(float64(nominal) * (1 - DefaultJitter))
		hi := time.Duration(float64(nominal) * (1 + DefaultJitter))
		seen := map[time.Duration]bool{}
		for range 2000 {
			at, ok := NextAttempt(DefaultSchedule, i+1, 0, now)
			if !ok {
				t.Fatalf("retry %d: gave up", i+1)
			}
			d := at.Sub(now)
			if d < lo || d > hi {
				t.Fatalf("retry %d: delay %v outside [%v, %v]", i+1, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 100 {
			t.Errorf("retry %d: only %d distinct delays in 2000 draws: no jitter?", i+1, len(seen))
		}
	}
}

func TestNextAttempt(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sched := []time.Duration{10 * time.Second, time.Minute}
	tests := []struct {
		name         string
		attemptsMade int
		retryAfter   time.Duration
		wantOK       bool
		min, max     time.Duration // bounds on the wait
	}{
		{"first attempt is immediate", 0, 0, true, 0, 0},
		{"negative treated as none", -3, 0, true, 0, 0},
		{"first retry", 1, 0, true, 9 * time.Second, 11 * time.Second},
		{"second retry", 2, 0, true, 54 * time.Second, 66 * time.Second},
		{"exhausted", 3, 0, false, 0, 0},
		{"far beyond", 1000, 0, false, 0, 0},
		{"retry-after raises the wait", 1, 2 * time.Minute, true, 2 * time.Minute, 2 * time.Minute},
		{"retry-after below schedule ignored", 2, 5 * time.Second, true, 54 * time.Second, 66 * time.Second},
		{"retry-after capped", 1, 72 * time.Hour, true, MaxRetryAfter, MaxRetryAfter},
		{"retry-after adds no attempts", 3, time.Minute, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := NextAttempt(sched, tt.attemptsMade, tt.retryAfter, now)
			if ok != tt.wantOK {
				t.Fatalf("NextAttempt ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				if !at.IsZero() {
					t.Errorf("NextAttempt time = %v when giving up, want zero", at)
				}
				return
			}
			if wait := at.Sub(now); wait < tt.min || wait > tt.max {
				t.Errorf("wait = %v, want within [%v, %v]", wait, tt.min, tt.max)
			}
		})
	}
}

func TestNextAttemptEmptySchedule(t *testing.T) {
	now := time.Now()
	if _, ok := NextAttempt(nil, 0, 0, now); !ok {
		t.Error("the first attempt must be made even with no retries configured")
	}
	if _, ok := NextAttempt(nil, 1, 0, now); ok {
		t.Error("no retries configured, yet NextAttempt retries")
	}
}
