package invoicing

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// t0 is the time of the first event of every test stream; each later event
// comes one minute after the one before.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// stream plays the storage layer: it turns drafts into stored events the
// way the store does (JSON data, versions, time, tenant).
// catalogue holds the types this package registers: every event its
// aggregates decide must be one of them.
var catalogue = func() *events.Registry {
	r := events.NewRegistry()
	if err := RegisterEvents(r); err != nil {
		panic(err)
	}
	return r
}()

type stream struct {
	id      string
	live    bool
	history []events.Event
}

func (s *stream) append(t *testing.T, drafts []events.Draft) {
	t.Helper()
	for _, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			t.Fatalf("marshal %s: %v", d.Type, err)
		}
		if !catalogue.Known(d.Type) {
			t.Errorf("event type %q is not registered", d.Type)
		}
		v := len(s.history) + 1
		s.history = append(s.history, events.Event{
			ID: "evt_" + s.id, OrgID: "org_1", Livemode: s.live, StreamID: s.id,
			StreamVersion: v, Type: d.Type, SchemaVersion: 1, Data: data,
			CreatedAt: t0.Add(time.Duration(v-1) * time.Minute),
		})
	}
}

// must appends the drafts of a decision that has to succeed.
func (s *stream) must(t *testing.T, drafts []events.Draft, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("decision failed: %v", err)
	}
	s.append(t, drafts)
}

func wantCode(t *testing.T, drafts []events.Draft, err error, code, param string) {
	t.Helper()
	if len(drafts) != 0 {
		t.Errorf("got %d drafts with an error, want none", len(drafts))
	}
	var e *facturo.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *facturo.Error %s", err, code)
	}
	if e.Code != code || (param != "" && e.Param != param) {
		t.Errorf("err = %s (param %q), want %s (param %q)", e, e.Param, code, param)
	}
}

func dec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func ptr[T any](v T) *T { return &v }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
