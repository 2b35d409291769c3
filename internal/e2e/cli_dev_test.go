package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/client/webhook"
	"github.com/facturo/facturo/internal/cli"
)

// facturo trigger TYPE writes an event of that type, in test mode, about
// the object it names, for every type it offers; a live key is refused.
func TestTriggerProducesEachEvent(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("trigger@example.com")
	c := s.client(tk.test)
	ctx := context.Background()
	for _, typ := range cli.Triggerable() {
		id, err := cli.Trigger(ctx, c, tk.test, typ)
		if err != nil {
			t.Errorf("trigger %s: %v", typ, err)
			continue
		}
		found := false
		for _, e := range s.must(200, "GET", "/v1/events?limit=100&type="+typ, tk.test, nil).list() {
			if e["resource"] == id && e["livemode"] == false {
				found = true
			}
		}
		if !found {
			t.Errorf("trigger %s: no test-mode %s event about %s", typ, typ, id)
		}
	}
	if _, err := cli.Trigger(ctx, s.client(tk.live), tk.live, "client.created"); err == nil ||
		!strings.Contains(err.Error(), "test-mode key") {
		t.Errorf("trigger with a live key: %v", err)
	}
	if _, err := cli.Trigger(ctx, c, tk.test, "invoice.bogus"); err == nil || !strings.Contains(err.Error(), "client.created") {
		t.Errorf("unknown type: %v, want the list of types", err)
	}
}

// facturo listen posts each event of the stream to the local URL, signed
// with the session's secret over the event's exact bytes, one line each.
func TestListenForwardsSignedEvents(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("listen@example.com")
	secret := cli.NewSessionSecret()
	verifier, err := webhook.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	received := make(chan []byte, 10)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := verifier.Verify(r.Header, body); err != nil {
			t.Errorf("forwarded event does not verify: %v", err)
		}
		received <- body
		w.WriteHeader(204)
	}))
	defer local.Close()
	var out syncBuffer
	l := &cli.Listener{API: s.client(tk.test), ForwardTo: local.URL, Secret: secret, HTTP: local.Client(), Out: &out}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, "") }()
	defer func() { cancel(); <-done }()

	// The stream starts when the listener has subscribed; write until one
	// arrives, then check it is the event the API logged.
	var body []byte
	eventually(t, "a forwarded event", func() bool {
		s.must(201, "POST", "/v1/clients", tk.test, map[string]any{"legal_name": "Escucha", "tax_id": "XAXX010101000"})
		select {
		case body = <-received:
			return true
		case <-time.After(500 * time.Millisecond):
			return false
		}
	})
	var id string
	for _, part := range strings.Split(string(body), ",") {
		if v, ok := strings.CutPrefix(part, `{"id":"`); ok {
			id = strings.TrimSuffix(v, `"`)
		}
	}
	api := s.must(200, "GET", "/v1/events/"+id, tk.test, nil)
	if !bytes.Equal(bytes.TrimSpace(api.Raw), body) {
		t.Errorf("forwarded body:\n%s\nGET /v1/events/%s:\n%s", body, id, api.Raw)
	}
	eventually(t, "the delivery line", func() bool { return strings.Contains(out.String(), id+"  -> 204 No Content") })
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
