package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/projections"
)

func streamMsgs(t *testing.T, s *system) uint64 {
	t.Helper()
	info, err := s.svc.Stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestRepublishIsHarmless republishes one organization's events: they reach
// the stream again, in relay order, and the projections skip them.
func TestRepublishIsHarmless(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("a@example.com")
	b := s.newTenant("b@example.com")
	s.must(201, "POST", "/v1/clients", a.live, acme)
	s.must(201, "POST", "/v1/clients", b.live, acme)
	last := maxPosition(t, s)
	waitCheckpoint(t, s, "documents", last, 10*time.Second)
	before := streamMsgs(t, s)
	cpBefore, err := projections.ReadCheckpoint(context.Background(), s.svc.DB, "documents")
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE org_id = $1`, a.orgID).Scan(&want); err != nil {
		t.Fatal(err)
	}
	var calls []int64
	n, end, err := replay.Republish(context.Background(), s.svc.Store, s.svc.JS,
		replay.Range{FromPos: 1, ToPos: last, OrgID: a.orgID}, func(done, total int64) { calls = append(calls, done, total) })
	if err != nil {
		t.Fatal(err)
	}
	if n != want || len(calls) == 0 || calls[len(calls)-1] != want {
		t.Fatalf("republished %d (progress %v), want %d", n, calls, want)
	}
	eventually(t, "republished messages in the stream", func() bool { return streamMsgs(t, s) == before+uint64(want) })

	// Resuming after a cursor publishes only what follows it, and counts
	// only that in its progress.
	var firstTx string
	var firstPos int64
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT tx_id::text, position FROM events
		WHERE org_id = $1 ORDER BY tx_id, position LIMIT 1`, a.orgID).Scan(&firstTx, &firstPos); err != nil {
		t.Fatal(err)
	}
	firstTxID, _ := strconv.ParseUint(firstTx, 10, 64)
	calls = nil
	n, resumedEnd, err := replay.Republish(context.Background(), s.svc.Store, s.svc.JS,
		replay.Range{FromPos: 1, ToPos: last, OrgID: a.orgID, After: events.Cursor{TxID: firstTxID, Position: firstPos}},
		func(done, total int64) { calls = append(calls, done, total) })
	if err != nil || n != want-1 || calls[len(calls)-1] != want-1 || resumedEnd != end {
		t.Fatalf("resumed: %d events up to %v (progress %v), %v; want %d up to %v", n, resumedEnd, calls, err, want-1, end)
	}
	eventually(t, "resumed messages in the stream", func() bool { return streamMsgs(t, s) == before+uint64(2*want-1) })

	// By time, one type: the window covers everything, the type one event.
	n, _, err = replay.Republish(context.Background(), s.svc.Store, s.svc.JS,
		replay.Range{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Type: "client.created", OrgID: b.orgID}, nil)
	if err != nil || n != 1 {
		t.Fatalf("republish by time and type: %d, %v", n, err)
	}
	time.Sleep(1500 * time.Millisecond) // the runner reads them all
	cp, err := projections.ReadCheckpoint(context.Background(), s.svc.DB, "documents")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Cursor != cpBefore.Cursor {
		t.Fatalf("checkpoint moved from %v to %v on republished events", cpBefore.Cursor, cp.Cursor)
	}
	if got := len(s.must(200, "GET", "/v1/clients", a.live, nil).list()); got != 1 {
		t.Fatalf("clients after republish: %d, want 1", got)
	}
}

// TestTailAndShow follows new events of one organization and shows one.
func TestTailAndShow(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("tail@example.com")
	b := s.newTenant("other@example.com")
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []events.Event
	done := make(chan error, 1)
	go func() {
		done <- replay.Tail(ctx, s.svc.Stream, "live", a.orgID, "", func(e events.Event) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
			return nil
		})
	}()
	time.Sleep(300 * time.Millisecond) // consumer created: DeliverNew starts now
	s.must(201, "POST", "/v1/clients", b.live, acme)
	s.must(201, "POST", "/v1/clients", a.test, acme)
	cid := s.must(201, "POST", "/v1/clients", a.live, acme).str("id")
	eventually(t, "tailed event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("tail: %v", err)
	}
	if len(got) != 1 || got[0].StreamID != cid || got[0].Type != "client.created" {
		t.Fatalf("tailed %+v, want only the live client.created of %s", got, cid)
	}
	e, err := replay.Show(context.Background(), s.svc.Store, got[0].ID)
	if err != nil || e.ID != got[0].ID || e.Position != got[0].Position {
		t.Fatalf("show: %+v, %v", e, err)
	}
	if _, err := replay.Show(context.Background(), s.svc.Store, "evt_missing"); facturo.ErrorCode(err) != facturo.CodeNotFound {
		t.Fatalf("show of a missing event: %v", err)
	}
}

// A test-only event type whose data changed shape: v1 had "name", v2 has
// "title" and "tags". Registered once for the test binary; no real type
// is touched.
const upcastType = "test.widget.created"

func init() {
	events.RegisterUpcaster(events.Upcaster{Type: upcastType, From: 1, Fn: func(d json.RawMessage) (json.RawMessage, error) {
		var v1 struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(d, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"title": v1.Name, "tags": []string{}})
	}})
}

// TestOldSchemaEventsReadAsNewShape stores a v1 event and reads it through
// the store (ReadAfter, EventByID) and through the relay's decoding of an
// old message already in the stream: new code only ever sees v2.
func TestOldSchemaEventsReadAsNewShape(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()
	if v := events.CurrentSchema(upcastType); v != 2 {
		t.Fatalf("current schema %d, want 2", v)
	}
	_, err := s.svc.DB.Pool.Exec(ctx, `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, schema_version, data)
		VALUES ('evt_oldshape', 'org_old', true, 'wdg_1', 1, $1, 1, '{"name": "gear"}')`, upcastType)
	if err != nil {
		t.Fatal(err)
	}
	check := func(how string, e events.Event) {
		t.Helper()
		var v2 struct {
			Title string   `json:"title"`
			Tags  []string `json:"tags"`
		}
		if err := e.Decode(&v2); err != nil || e.SchemaVersion != 2 || v2.Title != "gear" || v2.Tags == nil {
			t.Errorf("%s: v%d %s (%v), want v2 with title gear", how, e.SchemaVersion, e.Data, err)
		}
	}
	evs, err := s.svc.Store.ReadAfter(ctx, s.svc.DB.Pool, events.Cursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.ID == "evt_oldshape" {
			check("ReadAfter", e)
		}
	}
	e, err := s.svc.Store.EventByID(ctx, facturo.Tenant{OrgID: "org_old", Livemode: true}, "evt_oldshape")
	if err != nil {
		t.Fatal(err)
	}
	check("EventByID", e)

	// A message an older relay published, still v1 in the stream.
	old := e
	old.ID, old.SchemaVersion, old.Data, old.StreamID = "evt_oldmsg", 1, json.RawMessage(`{"name":"gear"}`), "wdg_2"
	msg, err := relay.Message(old)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.svc.Stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterSubject("live", "org_old", upcastType)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.JS.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the relayed evt_oldshape (upcast on read) and the old message
		m, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		e, err := natsjs.Decode(m)
		if err != nil {
			t.Fatal(err)
		}
		check("natsjs.Decode "+e.ID, e)
	}
}

// TestRepublishWaitsForHeldBackEvents: an event committed while an older
// transaction is open sits behind the snapshot horizon; a republish of a
// range that ends with it waits for it rather than stopping short.
func TestRepublishWaitsForHeldBackEvents(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()
	a := s.newTenant("held@example.com")
	old, err := s.svc.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Rollback(ctx)
	if _, err := old.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil { // now it holds the horizon
		t.Fatal(err)
	}
	s.must(201, "POST", "/v1/clients", a.live, acme)
	last := maxPosition(t, s)
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, _, err := replay.Republish(ctx, s.svc.Store, s.svc.JS, replay.Range{FromPos: last, ToPos: last}, nil)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("republish returned %d, %v while the event was held back", r.n, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := old.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.n != 1 {
			t.Fatalf("republished %d, %v; want the 1 event", r.n, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("republish never finished after the old transaction ended")
	}
}
