package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Answer is why one attempt to send failed: the SMTP reply code (0 when
// the server never answered one, e.g. it could not be reached) and what
// went wrong.
type Answer struct {
	Code    int
	Message string
}

func (a *Answer) Error() string {
	if a.Code == 0 {
		return a.Message
	}
	return fmt.Sprintf("SMTP %d: %s", a.Code, a.Message)
}

// Permanent reports whether retrying cannot help: a 5xx answer. A 4xx
// answer, or no answer at all, is temporary.
func (a *Answer) Permanent() bool { return a.Code >= 500 }

// SMTP sends messages to the server of a Config, one connection per
// message.
type SMTP struct {
	Config  Config
	Timeout time.Duration // of one connection, default 30s
	// TLS, if set, replaces the TLS configuration (the system's roots,
	// verifying the server's name): a private CA, or a test's.
	TLS *tls.Config
}

// Send delivers m, or returns an *Answer saying why not.
func (s SMTP) Send(ctx context.Context, m *gomail.Msg) error {
	opts := []gomail.Option{gomail.WithPort(s.Config.Port), gomail.WithTimeout(s.timeout())}
	switch s.Config.TLS {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case Implicit:
		opts = append(opts, gomail.WithSSL())
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLS))
	}
	if s.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Config.Username), gomail.WithPassword(s.Config.Password))
	}
	c, err := gomail.NewClient(s.Config.Host, opts...)
	if err != nil {
		return &Answer{Message: err.Error()}
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return answerOf(err)
	}
	return nil
}

func (s SMTP) timeout() time.Duration {
	if s.Timeout <= 0 {
		return 30 * time.Second
	}
	return s.Timeout
}

// answerOf reads the SMTP reply code out of go-mail's error.
func answerOf(err error) *Answer {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return &Answer{Code: se.ErrorCode(), Message: clip(err.Error())}
	}
	return &Answer{Message: clip(err.Error())}
}

// clip bounds what an SMTP server made us record, as valid UTF-8 without
// NUL (the event store keeps JSON text).
func clip(s string) string {
	const max = 1000
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
