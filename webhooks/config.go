package webhooks

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Config is the webhook settings read from the environment.
type Config struct {
	// Schedule is the delay before each retry (FACTURO_WEBHOOK_RETRY_SCHEDULE).
	Schedule []time.Duration
	// DisableAfter disables an endpoint that has failed without a single
	// success for this long (FACTURO_WEBHOOK_DISABLE_AFTER, default 5 days).
	DisableAfter time.Duration
	// AllowNets re-opens internal destinations (FACTURO_WEBHOOK_ALLOW_NETS).
	AllowNets []netip.Prefix
	// Timeout bounds one attempt (FACTURO_WEBHOOK_TIMEOUT, default 15 s).
	Timeout time.Duration
	// Concurrency bounds the attempts in flight in one worker process
	// (FACTURO_WEBHOOK_CONCURRENCY, default DefaultConcurrency).
	Concurrency int
	// PerEndpoint bounds the attempts in flight to one endpoint from one
	// worker process (FACTURO_WEBHOOK_PER_ENDPOINT, default
	// DefaultPerEndpoint): what a slow endpoint can take of Concurrency.
	PerEndpoint int
}

// Default bounds of the attempts in flight in one worker process, in all
// and to one endpoint.
const (
	DefaultConcurrency = 256
	DefaultPerEndpoint = 32
)

// DefaultDisableAfter is how long an endpoint may fail before it is disabled.
const DefaultDisableAfter = 5 * 24 * time.Hour

// Policy returns the address policy of the configuration.
func (c Config) Policy() AddressPolicy { return AddressPolicy{Allow: c.AllowNets} }

// ConfigFromEnv reads the configuration through getenv (os.Getenv in
// production, a map in tests); unset variables take their defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Schedule: DefaultSchedule, DisableAfter: DefaultDisableAfter, Timeout: DefaultTimeout,
		Concurrency: DefaultConcurrency, PerEndpoint: DefaultPerEndpoint}
	var err error
	if s := getenv("FACTURO_WEBHOOK_RETRY_SCHEDULE"); s != "" {
		if c.Schedule, err = ParseSchedule(s); err != nil {
			return c, err
		}
	}
	if s := getenv("FACTURO_WEBHOOK_DISABLE_AFTER"); s != "" {
		if c.DisableAfter, err = parseDuration(s); err != nil || c.DisableAfter <= 0 {
			return c, fmt.Errorf("webhooks: FACTURO_WEBHOOK_DISABLE_AFTER %q: a positive duration such as 120h or 5d", s)
		}
	}
	if s := getenv("FACTURO_WEBHOOK_TIMEOUT"); s != "" {
		if c.Timeout, err = time.ParseDuration(s); err != nil || c.Timeout <= 0 || c.Timeout > time.Minute {
			return c, fmt.Errorf("webhooks: FACTURO_WEBHOOK_TIMEOUT %q: a duration from 1ms to 1m", s)
		}
	}
	if c.Concurrency, err = parseBound("FACTURO_WEBHOOK_CONCURRENCY", getenv("FACTURO_WEBHOOK_CONCURRENCY"), c.Concurrency); err != nil {
		return c, err
	}
	if c.PerEndpoint, err = parseBound("FACTURO_WEBHOOK_PER_ENDPOINT", getenv("FACTURO_WEBHOOK_PER_ENDPOINT"), c.PerEndpoint); err != nil {
		return c, err
	}
	if c.PerEndpoint > c.Concurrency {
		return c, fmt.Errorf("webhooks: FACTURO_WEBHOOK_PER_ENDPOINT (%d) exceeds FACTURO_WEBHOOK_CONCURRENCY (%d)", c.PerEndpoint, c.Concurrency)
	}
	if c.AllowNets, err = ParseAllowNets(getenv("FACTURO_WEBHOOK_ALLOW_NETS")); err != nil {
		return c, err
	}
	return c, nil
}

// parseBound reads a bound of attempts in flight: s, or def when empty.
func parseBound(name, s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10_000 {
		return def, fmt.Errorf("webhooks: %s %q: a whole number from 1 to 10000", name, s)
	}
	return n, nil
}

// parseDuration is time.ParseDuration that also takes whole days ("5d").
func parseDuration(s string) (time.Duration, error) {
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
