package webhooks

import (
	"fmt"
	"net/netip"
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
}

// DefaultDisableAfter is how long an endpoint may fail before it is disabled.
const DefaultDisableAfter = 5 * 24 * time.Hour

// Policy returns the address policy of the configuration.
func (c Config) Policy() AddressPolicy { return AddressPolicy{Allow: c.AllowNets} }

// ConfigFromEnv reads the configuration through getenv (os.Getenv in
// production, a map in tests); unset variables take their defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Schedule: DefaultSchedule, DisableAfter: DefaultDisableAfter, Timeout: DefaultTimeout}
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
	if c.AllowNets, err = ParseAllowNets(getenv("FACTURO_WEBHOOK_ALLOW_NETS")); err != nil {
		return c, err
	}
	return c, nil
}

// parseDuration is time.ParseDuration that also takes whole days ("5d").
func parseDuration(s string) (time.Duration, error) {
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
