package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/client/webhook"
)

// Listener forwards an organization's event stream to a local URL as
// webhooks, signed like the real ones with a secret of this session: a
// laptop behind NAT receives its events without a public URL.
type Listener struct {
	API       *client.Client
	ForwardTo string
	Secret    string // whsec_...; NewSessionSecret makes one
	HTTP      *http.Client
	Out       io.Writer // one line per delivery
	Now       func() time.Time
}

// NewSessionSecret returns a fresh signing secret in the whsec_ form.
func NewSessionSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Run forwards events until ctx ends. Each event is posted once: a local
// failure is printed, not retried (the events stay in the log and in the
// stream's history).
func (l *Listener) Run(ctx context.Context, lastEventID string) error {
	if l.Now == nil {
		l.Now = time.Now
	}
	return l.API.Events.Stream(ctx, client.StreamParams{LastEventID: lastEventID}, func(e client.StreamedEvent) error {
		fmt.Fprintln(l.Out, l.forward(ctx, e))
		return nil
	})
}

// forward posts one event and describes the outcome in one line.
func (l *Listener) forward(ctx context.Context, e client.StreamedEvent) string {
	at := l.Now()
	head := fmt.Sprintf("%s  %-28s %s", at.UTC().Format("15:04:05"), e.Event.Type, e.Event.ID)
	sig, err := webhook.Sign(e.Event.ID, at, e.Raw, l.Secret)
	if err != nil {
		return head + "  sign: " + err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.ForwardTo, bytes.NewReader(e.Raw))
	if err != nil {
		return head + "  " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facturo-listen")
	req.Header.Set("webhook-id", e.Event.ID)
	req.Header.Set("webhook-timestamp", fmt.Sprint(at.Unix()))
	req.Header.Set("webhook-signature", sig)
	res, err := l.HTTP.Do(req)
	if err != nil {
		return head + "  -> error: " + err.Error()
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return fmt.Sprintf("%s  -> %s (%d ms)", head, res.Status, l.Now().Sub(at).Milliseconds())
}
