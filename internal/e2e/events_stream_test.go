package e2e

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/internal/app"
)

// follow runs Events.Stream for key until the test ends, sending each
// event to the returned channel.
func (s *system) follow(key, lastEventID string) (<-chan client.StreamedEvent, context.CancelFunc) {
	got := make(chan client.StreamedEvent, 100)
	connected := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := client.StreamParams{LastEventID: lastEventID, OnConnect: func(string) {
			select {
			case connected <- struct{}{}:
			default:
			}
		}}
		if err := s.client(key).Events.Stream(ctx, p, func(e client.StreamedEvent) error {
			got <- e
			return nil
		}); err != nil {
			s.t.Errorf("stream: %v", err)
		}
	}()
	<-connected
	stop := func() { cancel(); <-done }
	s.t.Cleanup(stop)
	return got, stop
}

func next(t *testing.T, ch <-chan client.StreamedEvent) client.StreamedEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(15 * time.Second):
		t.Fatal("no event on the stream")
		return client.StreamedEvent{}
	}
}

// GET /v1/events/stream: each event of the key's organization and mode, in
// order, as the same bytes as GET /v1/events/{id}, nothing of another
// tenant; a reconnect with Last-Event-ID gets exactly what it missed.
func TestEventStream(t *testing.T) {
	s := startSystem(t)
	a, b := s.newTenant("stream-a@example.com"), s.newTenant("stream-b@example.com")
	stream, stop := s.follow(a.test, "")

	newClient := func(key, name string) string {
		return s.must(201, "POST", "/v1/clients", key, map[string]any{"legal_name": name, "tax_id": "XAXX010101000"}).str("id")
	}
	newClient(b.test, "Other tenant")  // another organization
	newClient(a.live, "Other mode")    // another mode
	first := newClient(a.test, "Uno")  // ours
	second := newClient(a.test, "Dos") // ours
	// The tenant's own setup (its key.created) may reach JetStream after
	// the stream connected, under load: look at the clients' events.
	nextClient := func() client.StreamedEvent {
		for {
			if e := next(t, stream); e.Event.Type == "client.created" {
				return e
			}
		}
	}
	e1, e2 := nextClient(), nextClient()
	if e1.Event.Resource != first || e2.Event.Resource != second || e1.Event.Type != "client.created" {
		t.Fatalf("stream gave %s %s, %s %s; want client.created of %s then %s",
			e1.Event.Type, e1.Event.Resource, e2.Event.Type, e2.Event.Resource, first, second)
	}
	for _, e := range []client.StreamedEvent{e1, e2} {
		api := s.must(200, "GET", "/v1/events/"+e.Event.ID, a.test, nil)
		if !bytes.Equal(bytes.TrimSpace(api.Raw), e.Raw) {
			t.Errorf("stream event %s:\n%s\nGET /v1/events/{id}:\n%s", e.ID, e.Raw, api.Raw)
		}
	}

	stop()
	third := newClient(a.test, "Tres")
	fourth := newClient(a.test, "Cuatro")
	resumed, _ := s.follow(a.test, e1.ID)
	for _, want := range []string{second, third, fourth} {
		if e := next(t, resumed); e.Event.Resource != want {
			t.Fatalf("resumed after %s: got %s, want %s", e1.ID, e.Event.Resource, want)
		}
	}
	select {
	case e := <-resumed:
		t.Errorf("unexpected event after the missed ones: %s %s", e.Event.Type, e.Event.Resource)
	case <-time.After(300 * time.Millisecond):
	}

	// Last-Event-ID is checked: not a cursor, or a cursor of another tenant.
	for _, h := range []string{"evt_1", "1:2:3", e1.ID} {
		key := a.test
		if h == e1.ID {
			key = b.test
		}
		r := s.call("GET", "/v1/events/stream", key, nil, "Last-Event-ID", h)
		if r.Status != 400 || r.str("error", "code") != "parameter_invalid" || r.str("error", "param") != "Last-Event-ID" {
			t.Errorf("Last-Event-ID %q: %d %s", h, r.Status, r.Raw)
		}
	}
}

// One key holds at most 5 streams in a process; the sixth is refused with
// 429 too_many_streams, and a closed stream frees its place.
func TestEventStreamsPerKeyAreBounded(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("stream-limit@example.com")
	var stops []context.CancelFunc
	for range 5 {
		_, stop := s.follow(a.test, "")
		stops = append(stops, stop)
	}
	r := s.call("GET", "/v1/events/stream", a.test, nil)
	if r.Status != 429 || r.str("error", "code") != "too_many_streams" {
		t.Fatalf("sixth stream: %d %s", r.Status, r.Raw)
	}
	stops[0]()
	eventually(t, "a freed stream place", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/events/stream", nil)
		req.Header.Set("Authorization", "Bearer "+a.test)
		res, err := s.http.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}

// A quiet stream carries heartbeats (comment lines), so proxies and
// clients can tell a live connection from a dead one.
func TestEventStreamHeartbeat(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) { c.StreamHeartbeat = 50 * time.Millisecond })
	a := s.newTenant("stream-beat@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+a.test)
	res, err := s.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(res.Body)
	beats := 0
	for beats < 2 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), ": heartbeat") {
			beats++
		}
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats before the stream ended: %v", beats, sc.Err())
	}
}
