package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Catcher is the all-in-one mode's local SMTP server: it accepts every
// message on loopback and keeps each as an .eml file in Dir, so a
// developer can open what Facturo would have sent. It never relays.
type Catcher struct {
	Dir string
	Log *slog.Logger
	// OnMessage, if set, hears about each file written.
	OnMessage func(path string)
	seq       atomic.Int64
}

// Serve accepts connections on ln until ctx ends.
func (c *Catcher) Serve(ctx context.Context, ln net.Listener) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("mail catcher: %w", err)
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &catch{c: c}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = time.Minute, time.Minute
	s.MaxMessageBytes = 32 << 20
	s.ErrorLog = slog.NewLogLogger(c.Log.Handler(), slog.LevelWarn)
	go func() {
		<-ctx.Done()
		_ = s.Close()
	}()
	err := s.Serve(ln)
	if ctx.Err() != nil || errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// catch is one SMTP session of the catcher.
type catch struct{ c *Catcher }

func (s *catch) Reset()                               {}
func (s *catch) Logout() error                        { return nil }
func (s *catch) Mail(string, *smtp.MailOptions) error { return nil }
func (s *catch) Rcpt(string, *smtp.RcptOptions) error { return nil }

// Data writes the message to a temporary file and renames it into Dir, so
// a reader never sees half a message.
func (s *catch) Data(r io.Reader) error {
	name := fmt.Sprintf("%s-%04d.eml", time.Now().UTC().Format("20060102T150405.000000000"), s.c.seq.Add(1))
	tmp, err := os.CreateTemp(s.c.Dir, ".incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	path := filepath.Join(s.c.Dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	s.c.Log.Info("mail catcher: message received", "file", path)
	if s.c.OnMessage != nil {
		s.c.OnMessage(path)
	}
	return nil
}
