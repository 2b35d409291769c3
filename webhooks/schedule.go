package webhooks

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// DefaultSchedule is the delay before each retry, Standard Webhooks / Svix
// style: the first attempt goes out immediately, then retries follow 5 s,
// 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous attempt: eight
// attempts over about 27 hours. The schedule lists retries only; the first
// attempt is never delayed.
var DefaultSchedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

const (
	// DefaultJitter is the randomization factor of NextAttempt: each delay
	// is drawn uniformly from ±10 % around its nominal value, so endpoints
	// that failed together (an outage) are not retried in lockstep.
	DefaultJitter = 0.1

	// MaxRetryAfter caps a receiver's Retry-After: a receiver may slow us
	// down, not park a delivery for a week.
	MaxRetryAfter = 24 * time.Hour

	// Bounds on FACTURO_WEBHOOK_RETRY_SCHEDULE, against typos.
	maxScheduleLen   = 50
	maxScheduleDelay = 7 * 24 * time.Hour
)

// ScheduleBackOff is a backoff.BackOff that walks a fixed list of delays,
// each randomized by ±RandomizationFactor, and then stops. It serves both
// NextAttempt (persistent retries) and in-process use with backoff.Retry.
// It is not safe for concurrent use.
type ScheduleBackOff struct {
	Delays []time.Duration
	// RandomizationFactor spreads each delay over [d-f·d, d+f·d]; 0 means
	// exact delays, as in backoff.ExponentialBackOff.
	RandomizationFactor float64
	// Rand returns a number in [0, 1); nil means math/rand/v2.Float64.
	Rand func() float64

	next int
}

var _ backoff.BackOff = (*ScheduleBackOff)(nil)

// NewScheduleBackOff returns a ScheduleBackOff over delays with DefaultJitter.
func NewScheduleBackOff(delays []time.Duration) *ScheduleBackOff {
	return &ScheduleBackOff{Delays: delays, RandomizationFactor: DefaultJitter}
}

// NextBackOff returns the next randomized delay, or backoff.Stop once the
// schedule is used up.
func (b *ScheduleBackOff) NextBackOff() time.Duration {
	if b.next < 0 || b.next >= len(b.Delays) {
		return backoff.Stop
	}
	d := b.Delays[b.next]
	b.next++
	return b.randomize(d)
}

// Reset starts the schedule over.
func (b *ScheduleBackOff) Reset() { b.next = 0 }

// randomize draws uniformly from [d-f·d, d+f·d], never below zero.
func (b *ScheduleBackOff) randomize(d time.Duration) time.Duration {
	f := min(max(b.RandomizationFactor, 0), 1)
	if f == 0 || d <= 0 {
		return d
	}
	random := rand.Float64
	if b.Rand != nil {
		random = b.Rand
	}
	delta := f * float64(d)
	return time.Duration(float64(d) - delta + random()*2*delta)
}

// NextAttempt returns when a delivery should next be tried, given how many
// attempts were already made, or false when the schedule is exhausted and
// the delivery should be given up. The first attempt (attemptsMade == 0) is
// due now; retry k waits schedule[k-1] ±DefaultJitter after now. A receiver's
// Retry-After (retryAfter > 0, see ParseRetryAfter) is a lower bound on the
// wait, capped at MaxRetryAfter; it never adds attempts.
func NextAttempt(schedule []time.Duration, attemptsMade int, retryAfter time.Duration, now time.Time) (time.Time, bool) {
	if attemptsMade <= 0 {
		return now, true
	}
	b := NewScheduleBackOff(schedule)
	b.next = attemptsMade - 1
	wait := b.NextBackOff()
	if wait == backoff.Stop {
		return time.Time{}, false
	}
	if retryAfter > 0 {
		wait = max(wait, min(retryAfter, MaxRetryAfter))
	}
	return now.Add(wait), true
}

// ParseSchedule parses FACTURO_WEBHOOK_RETRY_SCHEDULE: comma-separated Go
// durations, the delay before each retry (the first attempt is immediate),
// e.g. "1s,2s,5s" for four attempts within eight seconds in tests.
func ParseSchedule(s string) ([]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("webhooks: retry schedule is empty")
	}
	entries := strings.Split(s, ",")
	if len(entries) > maxScheduleLen {
		return nil, fmt.Errorf("webhooks: retry schedule has %d entries, at most %d allowed", len(entries), maxScheduleLen)
	}
	out := make([]time.Duration, 0, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		d, err := time.ParseDuration(e)
		if err != nil {
			return nil, fmt.Errorf("webhooks: retry schedule entry %d %q: not a duration such as 5s or 2h", i+1, e)
		}
		if d < 0 || d > maxScheduleDelay {
			return nil, fmt.Errorf("webhooks: retry schedule entry %d %q: must be between 0s and %s", i+1, e, maxScheduleDelay)
		}
		out = append(out, d)
	}
	return out, nil
}
