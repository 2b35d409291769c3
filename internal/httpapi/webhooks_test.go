package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/client/webhook"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// hookReceiver records what a real HTTP endpoint receives.
type hookReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []*http.Request
	raw [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got, h.raw = append(h.got, r), append(h.raw, b)
		h.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><script>alert('x')</script>ok</html>"))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) wait(t *testing.T, n int) (*http.Request, []byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		if len(h.got) >= n {
			defer h.mu.Unlock()
			return h.got[n-1], h.raw[n-1]
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("receiver: waited for request %d", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The test server allows loopback webhook URLs (newKeyTestServer), where
// the test receivers listen.
func TestWebhookEndpointRoutes(t *testing.T) {
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("hooks@example.com")
	_, key := s.newKey(tn, map[string]any{"mode": "test"})
	_, readOnly := s.newKey(tn, map[string]any{"mode": "test", "scopes": []string{"webhooks:read"}})
	rcv := newHookReceiver(t)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	cfg, _ := webhooks.ConfigFromEnv(func(k string) string {
		return map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8", "FACTURO_WEBHOOK_RETRY_SCHEDULE": "1s"}[k]
	})
	wg.Go(func() {
		_ = (&delivery.Deliverer{Store: postgres.NewWebhookStore(s.Store), Config: cfg, Poll: 20 * time.Millisecond,
			Log: slog.New(slog.DiscardHandler)}).Run(ctx)
	})

	// Validation: internal destinations, unknown types, missing fields.
	for _, body := range []map[string]any{
		{"url": "http://169.254.169.254/latest", "enabled_events": []string{"*"}},
		{"url": "http://[::ffff:10.0.0.1]/", "enabled_events": []string{"*"}},
		{"url": "ftp://example.com/", "enabled_events": []string{"*"}},
		{"url": "https://example.com/", "enabled_events": []string{"invoice.eaten"}},
		{"url": "https://example.com/", "enabled_events": []string{"*", "client.created"}},
		{"url": "https://example.com/"},
	} {
		if r := s.do(ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: key, Body: body}); r.Status != 400 {
			t.Errorf("create %v: %d %s", body, r.Status, r.Raw)
		}
	}
	s.must(403, ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: readOnly,
		Body: map[string]any{"url": rcv.URL, "enabled_events": []string{"*"}}})

	// Create shows the secret once.
	r := s.must(201, ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: key, Body: map[string]any{
		"url": rcv.URL, "enabled_events": []string{"client.created"}, "description": "ERP", "metadata": map[string]string{"team": "ops"}}})
	epID, secret := r.str("id"), r.str("secret")
	if !strings.HasPrefix(epID, "we_") || !strings.HasPrefix(secret, "whsec_") || r.str("status") != "enabled" {
		t.Fatalf("create: %s", r.Raw)
	}
	path := "/v1/webhook_endpoints/" + epID
	if g := s.must(200, ktReq{Method: "GET", Path: path, Key: readOnly}); g.str("secret") != "" || g.str("url") != rcv.URL {
		t.Fatalf("retrieve: %s", g.Raw)
	}
	if l := s.must(200, ktReq{Method: "GET", Path: "/v1/webhook_endpoints", Key: key}); !strings.Contains(string(l.Raw), epID) ||
		strings.Contains(string(l.Raw), "whsec_") {
		t.Fatalf("list: %s", l.Raw)
	}
	ev := s.must(200, ktReq{Method: "GET", Path: "/v1/events?type=webhook_endpoint.created", Key: key})
	if strings.Contains(string(ev.Raw), "whsec_") || !strings.Contains(string(ev.Raw), epID) {
		t.Fatalf("events API shows the secret or misses the event: %s", ev.Raw)
	}
	s.must(200, ktReq{Method: "PATCH", Path: path, Key: key, Body: map[string]any{"enabled_events": []string{"*"}}})

	// Ping goes out in test mode too, signed.
	p := s.must(202, ktReq{Method: "POST", Path: path + "/ping", Key: key})
	req, body := rcv.wait(t, 1)
	v, _ := webhook.NewVerifier(secret)
	if err := v.Verify(req.Header, body); err != nil || !strings.Contains(string(body), `"type":"webhook.ping"`) {
		t.Fatalf("ping: %v %s", err, body)
	}

	// The delivery log shows the attempt; the receiver's HTML is a JSON string, escaped.
	dpath := path + "/deliveries/" + p.str("id")
	var d ktResponse
	deadline := time.Now().Add(5 * time.Second)
	for d = s.must(200, ktReq{Method: "GET", Path: dpath, Key: readOnly}); d.str("status") != "succeeded"; d = s.must(200, ktReq{Method: "GET", Path: dpath, Key: readOnly}) {
		if time.Now().After(deadline) {
			t.Fatalf("delivery: %s", d.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(string(d.Raw), "<script>") || !strings.Contains(string(d.Raw), `\u003cscript\u003e`) {
		t.Errorf("attempt response body not escaped: %s", d.Raw)
	}
	if l := s.must(200, ktReq{Method: "GET", Path: path + "/deliveries?status=succeeded&event_type=webhook.ping", Key: key}); !strings.Contains(string(l.Raw), p.str("id")) {
		t.Errorf("filtered log: %s", l.Raw)
	}
	if l := s.must(200, ktReq{Method: "GET", Path: path + "/deliveries?status=failed", Key: key}); strings.Contains(string(l.Raw), p.str("id")) {
		t.Errorf("status filter ignored: %s", l.Raw)
	}
	s.must(400, ktReq{Method: "GET", Path: path + "/deliveries?status=lost", Key: key})

	// Rotation: the next delivery carries both signatures.
	rot := s.must(200, ktReq{Method: "POST", Path: path + "/rotate_secret", Key: key, Body: map[string]any{"grace_period_seconds": 3600}})
	newSecret := rot.str("secret")
	if newSecret == "" || newSecret == secret {
		t.Fatalf("rotate: %s", rot.Raw)
	}
	s.must(202, ktReq{Method: "POST", Path: dpath + "/resend", Key: key})
	req, body = rcv.wait(t, 2)
	for _, sec := range []string{secret, newSecret} {
		v, _ := webhook.NewVerifier(sec)
		if err := v.Verify(req.Header, body); err != nil {
			t.Errorf("resend after rotation, secret %d: %v", len(sec), err)
		}
	}
	s.must(202, ktReq{Method: "POST", Path: path + "/recover", Key: key, Body: map[string]any{"since": time.Now().Add(-time.Hour).Unix()}})
	s.must(400, ktReq{Method: "POST", Path: path + "/recover", Key: key, Body: map[string]any{}})

	// Another organization, or the live mode of this one, sees nothing.
	other := s.newTenant("other-hooks@example.com")
	_, otherKey := s.newKey(other, nil)
	_, liveKey := s.newKey(tn, map[string]any{"mode": "live"})
	for _, k := range []string{otherKey, liveKey} {
		for _, q := range []ktReq{
			{Method: "GET", Path: path}, {Method: "PATCH", Path: path, Body: map[string]any{"description": "x"}},
			{Method: "POST", Path: path + "/ping"}, {Method: "GET", Path: path + "/deliveries"},
			{Method: "GET", Path: dpath}, {Method: "POST", Path: dpath + "/resend"}, {Method: "DELETE", Path: path},
		} {
			q.Key = k
			if got := s.do(q); got.Status != 404 {
				t.Errorf("%s %s from another tenant: %d %s", q.Method, q.Path, got.Status, got.Raw)
			}
		}
	}

	// Disable, enable, delete.
	if u := s.must(200, ktReq{Method: "PATCH", Path: path, Key: key, Body: map[string]any{"disabled": true}}); u.str("status") != "disabled" {
		t.Errorf("disable: %s", u.Raw)
	}
	s.must(409, ktReq{Method: "POST", Path: path + "/ping", Key: key})
	s.must(200, ktReq{Method: "PATCH", Path: path, Key: key, Body: map[string]any{"disabled": false}})
	s.must(200, ktReq{Method: "DELETE", Path: path, Key: key})
	s.must(404, ktReq{Method: "GET", Path: path, Key: key})
	s.must(404, ktReq{Method: "GET", Path: path + "/deliveries", Key: key})
}
