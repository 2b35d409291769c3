package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/client/webhook"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks"
)

// hookLog keeps every request a receiver got, to verify later (the
// secret is known only once the creation has answered).
type hookLog struct {
	mu   sync.Mutex
	reqs []hookReq
}

type hookReq struct {
	header http.Header
	body   []byte
}

func (l *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.reqs = append(l.reqs, hookReq{r.Header.Clone(), body})
	l.mu.Unlock()
	w.WriteHeader(204)
}

// eventIDs verifies every request with secret and counts each event id.
func (l *hookLog) eventIDs(t *testing.T, secret string) map[string]int {
	t.Helper()
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, r := range l.reqs {
		if err := v.Verify(r.header, r.body); err != nil {
			t.Fatalf("delivery does not verify: %v", err)
		}
		var ev struct{ ID string }
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatal(err)
		}
		out[ev.ID]++
	}
	return out
}

func (l *hookLog) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.reqs) }

// A new endpoint with backfill_since receives exactly the matching events
// of the window, each once, signed, with the body of GET /v1/events/{id};
// the fan-out that follows adds the new events and repeats none.
func TestWebhookBackfill(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) {
		c.Webhooks.AllowNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	rcv := &hookLog{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	tk := s.newTenant("backfill@example.com")
	s.must(201, "POST", "/v1/clients", tk.live, acme) // before the window
	time.Sleep(20 * time.Millisecond)
	since := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	want := map[string]int{}
	for range 2 {
		cid := s.must(201, "POST", "/v1/clients", tk.live, acme).str("id")
		want[s.eventOf(t, tk.orgID, cid)] = 1
	}
	s.must(201, "POST", "/v1/products", tk.live, product("1.00", false)) // not subscribed
	s.must(201, "POST", "/v1/clients", tk.test, acme)                    // other mode
	ep := s.must(201, "POST", "/v1/webhook_endpoints", tk.live, map[string]any{"url": srv.URL,
		"enabled_events": []string{"client.created"}, "backfill_since": since.Format(time.RFC3339Nano)})
	secret := ep.str("secret")
	cid := s.must(201, "POST", "/v1/clients", tk.live, acme).str("id") // fanned out
	want[s.eventOf(t, tk.orgID, cid)] = 1
	eventually(t, "three deliveries", func() bool { return rcv.count() >= 3 })
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show up
	got := rcv.eventIDs(t, secret)
	if len(got) != len(want) || rcv.count() != len(want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	for evID := range want {
		if got[evID] != 1 {
			t.Fatalf("event %s received %d times, want once (got %v)", evID, got[evID], got)
		}
	}
	rcv.mu.Lock()
	for _, r := range rcv.reqs {
		var ev struct{ ID string }
		_ = json.Unmarshal(r.body, &ev)
		api := s.must(200, "GET", "/v1/events/"+ev.ID, tk.live, nil).Raw
		if !bytes.Equal(bytes.TrimSuffix(api, []byte("\n")), r.body) {
			t.Errorf("body of %s is not GET /v1/events/{id}:\nhook %s\n api %s", ev.ID, r.body, api)
		}
	}
	rcv.mu.Unlock()
	log := s.must(200, "GET", "/v1/webhook_endpoints/"+ep.str("id")+"/deliveries", tk.live, nil).list()
	if len(log) != 3 {
		t.Fatalf("delivery log has %d deliveries, want 3", len(log))
	}
}

// eventOf is the id of the first event of a stream.
func (s *system) eventOf(t *testing.T, orgID, streamID string) string {
	t.Helper()
	var evID string
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT id FROM events
		WHERE org_id = $1 AND stream_id = $2 ORDER BY stream_version LIMIT 1`, orgID, streamID).Scan(&evID); err != nil {
		t.Fatal(err)
	}
	return evID
}

// backfill_since in the future or more than 7 days back is a 400 on the
// parameter, and creates nothing.
func TestWebhookBackfillWindow(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("backfill-window@example.com")
	for _, since := range []time.Time{time.Now().Add(-webhooks.BackfillWindow - time.Minute), time.Now().Add(time.Hour)} {
		r := s.call("POST", "/v1/webhook_endpoints", tk.live, map[string]any{"url": "https://example.com/hooks",
			"enabled_events": []string{"*"}, "backfill_since": since.Format(time.RFC3339)})
		if r.Status != 400 || r.str("error", "param") != "backfill_since" {
			t.Fatalf("backfill_since %s: %d %s", since, r.Status, r.Raw)
		}
	}
	if n := len(s.must(200, "GET", "/v1/webhook_endpoints", tk.live, nil).list()); n != 0 {
		t.Fatalf("%d endpoints created by refused requests", n)
	}
	// Inside the window (not an unknown parameter): accepted.
	s.must(201, "POST", "/v1/webhook_endpoints", tk.live, map[string]any{"url": "https://example.com/hooks",
		"enabled_events": []string{"*"}, "backfill_since": time.Now().Add(-webhooks.BackfillWindow + time.Minute).Format(time.RFC3339)})
}

// Test mode: the backfill is recorded as skipped deliveries, like the
// fan-out's. MaxBackfill events are accepted (the time it takes is
// logged); one more is a 400 on backfill_since that creates nothing.
func TestWebhookBackfillTestModeAndCap(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("backfill-cap@example.com")
	since := time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	cid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	first := s.eventOf(t, tk.orgID, cid)
	body := map[string]any{"url": "https://example.com/hooks", "enabled_events": []string{"client.created"}, "backfill_since": since}
	ep := s.must(201, "POST", "/v1/webhook_endpoints", tk.test, body).str("id")
	log := s.must(200, "GET", "/v1/webhook_endpoints/"+ep+"/deliveries", tk.test, nil).list()
	if len(log) != 1 || log[0]["event"] != first || log[0]["status"] != webhooks.DeliverySkipped {
		t.Fatalf("test-mode backfill: %v", log)
	}

	s.must(200, "DELETE", "/v1/webhook_endpoints/"+ep, tk.test, nil) // no fan-out of the copies
	s.copyEvent(t, first, webhooks.MaxBackfill-1)
	start := time.Now()
	ep = s.must(201, "POST", "/v1/webhook_endpoints", tk.test, body).str("id")
	t.Logf("backfill of %d events: %v", webhooks.MaxBackfill, time.Since(start))
	var n int
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries
		WHERE endpoint_id = $1 AND status = 'skipped'`, ep).Scan(&n); err != nil || n != webhooks.MaxBackfill {
		t.Fatalf("%d skipped deliveries (%v), want %d", n, err, webhooks.MaxBackfill)
	}

	s.copyEvent(t, first, 1)
	before := len(s.must(200, "GET", "/v1/webhook_endpoints", tk.test, nil).list())
	r := s.call("POST", "/v1/webhook_endpoints", tk.test, body)
	if r.Status != 400 || r.str("error", "param") != "backfill_since" {
		t.Fatalf("over the cap: %d %s", r.Status, r.Raw)
	}
	if after := len(s.must(200, "GET", "/v1/webhook_endpoints", tk.test, nil).list()); after != before {
		t.Fatalf("refused backfill created an endpoint: %d endpoints, had %d", after, before)
	}
}

// copyEvent stores n copies of a creation event, each in a stream of its
// own: many events fast, without n requests.
func (s *system) copyEvent(t *testing.T, evID string, n int) {
	t.Helper()
	evs, streams := make([]string, n), make([]string, n)
	for i := range n {
		evs[i], streams[i] = id.New(id.Event), id.New(id.Client)
	}
	if _, err := s.svc.DB.Pool.Exec(context.Background(), `INSERT INTO events
			(id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata)
		SELECT c.id, e.org_id, e.livemode, c.stream_id, 1, e.type, e.schema_version, e.data, e.metadata
		FROM events e, unnest($1::text[], $2::text[]) AS c (id, stream_id) WHERE e.id = $3`, evs, streams, evID); err != nil {
		t.Fatal(err)
	}
}
