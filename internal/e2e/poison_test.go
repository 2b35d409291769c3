package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks/delivery"
)

// poisonType is an event type whose upcast from v1 always fails.
const poisonType = "test.poisoned"

func init() {
	events.RegisterUpcaster(events.Upcaster{Type: poisonType, From: 1, Fn: func(json.RawMessage) (json.RawMessage, error) {
		return nil, errors.New("no upcaster can read this shape")
	}})
}

// A message on the stream that can never be applied (undecodable bytes, an
// event whose upcast fails) is recorded as poison by the webhook fan-out
// and the documents projection, terminated or skipped, and everything
// after it is still fanned out and projected.
func TestPoisonMessagesDoNotBlockTheWorker(t *testing.T) {
	s := startSecuritySystem(t) // webhooks may reach the loopback receiver
	ctx := context.Background()
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer rcv.Close()
	tk := s.newTenant("poison@example.com")
	s.must(201, "POST", "/v1/webhook_endpoints", tk.test,
		map[string]any{"url": rcv.URL, "enabled_events": []string{"client.created"}})

	subject := events.Subject(events.Event{OrgID: tk.orgID, Type: poisonType})
	if _, err := s.svc.JS.Publish(ctx, subject, []byte("\x00\xff not an event")); err != nil {
		t.Fatal(err)
	}
	bad, _ := json.Marshal(events.Event{ID: "evt_poisoned", OrgID: tk.orgID, StreamID: "cli_poisoned",
		StreamVersion: 1, Type: poisonType, SchemaVersion: 1, Data: json.RawMessage(`{}`)})
	if _, err := s.svc.JS.Publish(ctx, subject, bad); err != nil {
		t.Fatal(err)
	}
	cid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	evt := s.must(200, "GET", "/v1/events?limit=1", tk.test, nil).list()[0]["id"].(string)

	eventually(t, "the client after the poison fanned out", func() bool {
		var n int
		err := s.svc.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE event_id = $1`, evt).Scan(&n)
		return err == nil && n == 1
	})
	eventually(t, "the client after the poison projected", func() bool {
		list := s.must(200, "GET", "/v1/clients", tk.test, nil).list()
		return len(list) == 1 && list[0]["id"] == cid
	})
	poison := postgres.NewPoisonStore(s.svc.DB)
	for _, consumer := range []string{delivery.DefaultDurable, "documents"} {
		eventually(t, consumer+" poison recorded", func() bool {
			list, err := poison.ListPoison(ctx, consumer, 10)
			return err == nil && len(list) == 2 && list[0].EventID == "evt_poisoned" && list[1].EventID == ""
		})
	}
	// The fan-out terminated both: nothing is pending redelivery.
	cons, err := s.svc.Stream.Consumer(ctx, delivery.DefaultDurable)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "nothing pending on the fan-out consumer", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0 && info.NumRedelivered == 0
	})
}
