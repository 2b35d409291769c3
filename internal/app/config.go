// Package app wires Facturo's processes: it reads the configuration,
// connects to PostgreSQL and NATS, and runs the API role, the worker role,
// or both with embedded dependencies for development.
package app

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo/internal/mail"
	"github.com/facturo/facturo/webhooks"
)

// Config is the whole configuration, read from the environment.
type Config struct {
	DatabaseURL    string // DATABASE_URL: empty in all-in-one mode starts a local cluster
	NATSURL        string // NATS_URL: empty in all-in-one mode starts an embedded server
	Addr           string // FACTURO_ADDR: API listen address
	MetricsAddr    string // FACTURO_METRICS_ADDR: worker /metrics listen address
	AdminKey       string // FACTURO_ADMIN_KEY: the operator key
	DataDir        string // FACTURO_DATA_DIR: all-in-one state (default .data)
	StreamReplicas int    // FACTURO_STREAM_REPLICAS: JetStream replicas of EVENTS
	DBPoolSize     int    // FACTURO_DB_POOL_SIZE: PostgreSQL connections of the process's pool
	TrustProxies   bool   // FACTURO_TRUST_PROXIES: client IP from X-Forwarded-For
	LogLevel       slog.Level
	LogFormat      string // FACTURO_LOG_FORMAT: json (default) or text
	// BcryptCost is never read from the environment: production keys are
	// always hashed at keys.HashCost. Tests lower it (bcrypt under the race
	// detector is twelve times slower).
	BcryptCost int
	// StreamHeartbeat is the event stream's keep-alive interval (15 s when
	// zero); tests shorten it. Not read from the environment.
	StreamHeartbeat time.Duration
	// RecurringEvery is the pause between the recurring invoices runner's
	// passes (10 s when zero); tests shorten it. Not read from the
	// environment.
	RecurringEvery time.Duration
	// Env keeps the raw getter for components with their own settings
	// (webhook retry schedule, allowed networks).
	Env func(string) string
	// Webhooks is the delivery worker's configuration (FACTURO_WEBHOOK_*).
	Webhooks webhooks.Config
	// Mail is where the mailer sends (FACTURO_SMTP_URL, FACTURO_MAIL_FROM);
	// without it every live send is recorded as failed. The all-in-one
	// mode fills it with its local catcher when FACTURO_SMTP_URL is unset.
	Mail mail.Config
	// Clock is the worker's time for what falls due (quote expiries);
	// time.Now when nil. Tests move it forward instead of sleeping. Not
	// read from the environment.
	Clock func() time.Time
}

// DefaultDBPoolSize is the pool's size unless FACTURO_DB_POOL_SIZE says
// otherwise. pgx's own default (the number of CPUs, at least 4) left two
// or three connections for requests on a small machine: the relay and each
// projection runner hold one for as long as they lead, and 6 of 8
// concurrent requests queued for the rest. 20 per process leaves four
// processes under PostgreSQL's default max_connections of 100.
const DefaultDBPoolSize = 20

// ConfigFromEnv reads the configuration; getenv is os.Getenv in production.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: getenv("DATABASE_URL"),
		NATSURL:     getenv("NATS_URL"),
		Addr:        or(getenv("FACTURO_ADDR"), "127.0.0.1:8080"),
		MetricsAddr: or(getenv("FACTURO_METRICS_ADDR"), "127.0.0.1:9090"),
		AdminKey:    getenv("FACTURO_ADMIN_KEY"),
		DataDir:     or(getenv("FACTURO_DATA_DIR"), ".data"),
		LogFormat:   or(getenv("FACTURO_LOG_FORMAT"), "json"),
		Env:         getenv,
	}
	var err error
	if c.StreamReplicas, err = atoi(getenv("FACTURO_STREAM_REPLICAS"), 1); err != nil {
		return c, fmt.Errorf("FACTURO_STREAM_REPLICAS: %w", err)
	}
	if c.DBPoolSize, err = atoi(getenv("FACTURO_DB_POOL_SIZE"), DefaultDBPoolSize); err != nil || c.DBPoolSize < 1 || c.DBPoolSize > 1000 {
		return c, fmt.Errorf("FACTURO_DB_POOL_SIZE: %q is not a number of connections from 1 to 1000", getenv("FACTURO_DB_POOL_SIZE"))
	}
	c.TrustProxies = getenv("FACTURO_TRUST_PROXIES") == "true"
	if c.Webhooks, err = webhooks.ConfigFromEnv(getenv); err != nil {
		return c, err
	}
	if c.Mail, err = mail.ConfigFromEnv(getenv); err != nil {
		return c, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("FACTURO_LOG_LEVEL"), "info"))); err != nil {
		return c, fmt.Errorf("FACTURO_LOG_LEVEL: %w", err)
	}
	if c.AdminKey != "" && len(c.AdminKey) < 24 {
		return c, fmt.Errorf("FACTURO_ADMIN_KEY must be at least 24 characters")
	}
	return c, nil
}

// RequireServices fails unless both external services are configured, as
// the separate api and worker processes need.
func (c Config) RequireServices() error {
	var missing []string
	if c.DatabaseURL == "" {
		missing = append(missing, "DATABASE_URL")
	}
	if c.NATSURL == "" {
		missing = append(missing, "NATS_URL")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not set (use `make run` for the all-in-one mode with embedded services)",
			strings.Join(missing, " and "))
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func atoi(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
