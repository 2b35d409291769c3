// Package mailtest runs the all-in-one mode's mail catcher for tests.
package mailtest

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/facturo/facturo/internal/mail"
)

// Catcher runs mail.Catcher on loopback until the test ends, keeping
// each message as an .eml file in dir, and returns the configuration that
// points a mailer at it (plain SMTP, as make run's).
func Catcher(t testing.TB, dir string) mail.Config {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&mail.Catcher{Dir: dir, Log: slog.New(slog.DiscardHandler)}).Serve(ctx, ln)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return mail.Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: mail.NoTLS, From: "Facturo <facturo@localhost>"}
}
