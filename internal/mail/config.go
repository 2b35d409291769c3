// Package mail emails documents over SMTP: the mailer consumes the
// <kind>.sent events from JetStream, sends each document with its PDF
// attached, and records the outcome as an event on the document's
// stream. It also holds the local SMTP catcher of the all-in-one mode.
package mail

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// TLS is how the connection to the SMTP server is secured.
type TLS int

// The TLS modes of an SMTP URL.
const (
	StartTLS TLS = iota // smtp://: plain connection upgraded with STARTTLS, required
	Implicit            // smtps://: TLS from the first byte
	NoTLS               // smtp://...?tls=none: plain text, for a local catcher only
)

// Config is where and as whom the mailer sends.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLS
	From     string // FACTURO_MAIL_FROM: the envelope and header sender
	// PublicURL (FACTURO_PUBLIC_URL) is where a document's client reaches
	// the API, e.g. "https://api.example.com": the base of the links an
	// email carries (a quote's accept/reject page). Empty: emails carry no
	// link.
	PublicURL string
}

// Configured reports whether live sends can be attempted at all: without
// a server and a sender every live send is recorded as failed.
func (c Config) Configured() bool { return c.Host != "" && c.From != "" }

// Missing names what an unconfigured mailer lacks, for the failure it
// records.
func (c Config) Missing() string {
	switch {
	case c.Host == "" && c.From == "":
		return "email is not configured: set FACTURO_SMTP_URL and FACTURO_MAIL_FROM"
	case c.Host == "":
		return "email is not configured: set FACTURO_SMTP_URL"
	case c.From == "":
		return "email is not configured: set FACTURO_MAIL_FROM"
	}
	return ""
}

// ConfigFromEnv reads FACTURO_SMTP_URL, FACTURO_MAIL_FROM and
// FACTURO_PUBLIC_URL. Any may be unset (Configured is then false without
// the first two); a value that is set must be valid.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c, err := ParseURL(getenv("FACTURO_SMTP_URL"))
	if err != nil {
		return c, fmt.Errorf("FACTURO_SMTP_URL: %w", err)
	}
	if from := getenv("FACTURO_MAIL_FROM"); from != "" {
		a, err := mail.ParseAddress(from)
		if err != nil {
			return c, fmt.Errorf("FACTURO_MAIL_FROM: %w", err)
		}
		c.From = a.String()
	}
	if raw := getenv("FACTURO_PUBLIC_URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("FACTURO_PUBLIC_URL: %q is not an http(s) address like https://api.example.com", raw)
		}
		c.PublicURL = strings.TrimSuffix(raw, "/")
	}
	return c, nil
}

// ParseURL reads an SMTP URL: smtp://user:pass@host:port (STARTTLS
// required, port 587 by default), smtps://user:pass@host:port (implicit
// TLS, port 465 by default), and smtp://host:port?tls=none for a local
// catcher that speaks no TLS. The empty string is an empty Config.
func ParseURL(raw string) (Config, error) {
	var c Config
	if raw == "" {
		return c, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return c, fmt.Errorf("not a URL (smtp://user:pass@host:port)")
	}
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = StartTLS, 587
	case "smtps":
		c.TLS, c.Port = Implicit, 465
	default:
		return c, fmt.Errorf("scheme %q: use smtp:// (STARTTLS) or smtps:// (implicit TLS)", u.Scheme)
	}
	for k, v := range u.Query() {
		if k != "tls" || len(v) != 1 || v[0] != "none" || u.Scheme != "smtp" {
			return c, fmt.Errorf("unknown option %s=%v (only smtp://...?tls=none)", k, v)
		}
		c.TLS = NoTLS
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return c, fmt.Errorf("no host")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return c, fmt.Errorf("port %q", p)
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// Addr is host:port.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
