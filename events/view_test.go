package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
)

// gadget is a test object: a name and a deleted flag its view does not
// show (as a webhook endpoint's does not).
type gadget struct {
	id, name, color string
	deleted         bool
	version         int
}

type gadgetView struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Name   string `json:"name"`
	Color  string `json:"color,omitempty"`
}

func (g *gadget) Exists() bool { return g.version > 0 && !g.deleted }
func (g *gadget) View() gadgetView {
	return gadgetView{ID: g.id, Object: "gadget", Name: g.name, Color: g.color}
}

func foldGadget(h []events.Event) (*gadget, error) {
	g := &gadget{}
	for _, e := range h {
		g.id, g.version = e.StreamID, e.StreamVersion
		var d struct{ Name, Color string }
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, fmt.Errorf("gadget: %w", err)
		}
		switch e.Type {
		case "gadget.created", "gadget.updated":
			g.name, g.color = d.Name, d.Color
		case "gadget.deleted":
			g.deleted = true
		}
	}
	return g, nil
}

func gadgetStream(typeData ...string) []events.Event {
	var h []events.Event
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i+1 < len(typeData); i += 2 {
		h = append(h, events.Event{ID: fmt.Sprintf("evt_%d", i/2+1), OrgID: "org_1", Livemode: true, StreamID: "gdg_1",
			StreamVersion: i/2 + 1, Type: typeData[i], SchemaVersion: 1, Data: json.RawMessage(typeData[i+1]),
			Metadata: events.Metadata{RequestID: "req_1", KeyID: "key_1"}, CreatedAt: at})
	}
	return h
}

func gadgetRegistry(t *testing.T) *events.Registry {
	t.Helper()
	r := events.NewRegistry()
	if err := r.RegisterObjects(events.ObjectOf[*gadget, gadgetView]("gadget", foldGadget)); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterObjects(events.ObjectOf[*gadget, gadgetView]("gadget", foldGadget)); err == nil {
		t.Fatal("an object kind registered twice")
	}
	return r
}

// The body of an event is the object after it, what changed, and the
// request; a deletion shows the last state with deleted: true.
func TestRenderShowsTheObjectAfterTheEvent(t *testing.T) {
	r := gadgetRegistry(t)
	h := gadgetStream(
		"gadget.created", `{"name":"a"}`,
		"gadget.updated", `{"name":"b","color":"red"}`,
		"gadget.updated", `{"name":"b","color":"red"}`,
		"gadget.deleted", `{}`,
	)
	want := []string{
		`{"id":"evt_1","object":"event","type":"gadget.created","livemode":true,"organization":"org_1","created_at":"2026-01-02T03:04:05Z","schema_version":1,"resource":"gdg_1","resource_version":1,"data":{"object":{"id":"gdg_1","object":"gadget","name":"a"}},"request":{"id":"req_1","key_id":"key_1"}}`,
		`{"id":"evt_2","object":"event","type":"gadget.updated","livemode":true,"organization":"org_1","created_at":"2026-01-02T03:04:05Z","schema_version":1,"resource":"gdg_1","resource_version":2,"data":{"object":{"id":"gdg_1","object":"gadget","name":"b","color":"red"},"previous_attributes":{"color":null,"name":"a"}},"request":{"id":"req_1","key_id":"key_1"}}`,
		`{"id":"evt_3","object":"event","type":"gadget.updated","livemode":true,"organization":"org_1","created_at":"2026-01-02T03:04:05Z","schema_version":1,"resource":"gdg_1","resource_version":3,"data":{"object":{"id":"gdg_1","object":"gadget","name":"b","color":"red"},"previous_attributes":{}},"request":{"id":"req_1","key_id":"key_1"}}`,
		`{"id":"evt_4","object":"event","type":"gadget.deleted","livemode":true,"organization":"org_1","created_at":"2026-01-02T03:04:05Z","schema_version":1,"resource":"gdg_1","resource_version":4,"data":{"object":{"id":"gdg_1","object":"gadget","name":"b","color":"red","deleted":true}},"request":{"id":"req_1","key_id":"key_1"}}`,
	}
	for i := range h {
		got, err := r.Body(h[:i+1])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want[i] {
			t.Errorf("%s:\n got %s\nwant %s", h[i].Type, got, want[i])
		}
	}
}

func TestRenderRefusesWhatCannotFold(t *testing.T) {
	r := gadgetRegistry(t)
	h := gadgetStream("gadget.created", `{"name":"a"}`, "gadget.updated", `[1]`)
	if _, err := r.Body(h); !errors.Is(err, events.ErrRender) {
		t.Errorf("a stream that does not fold: %v, want ErrRender", err)
	}
	if _, err := r.Body(h[1:]); !errors.Is(err, events.ErrRender) {
		t.Errorf("a history that does not start at version 1: %v, want ErrRender", err)
	}
	// A type outside the registry shows its own public data.
	h = gadgetStream("widget.created", `{"name":"w","secret_hash":"x"}`)
	v, err := r.Render(h)
	if err != nil || string(v.Data.Object) != `{"name":"w"}` || v.Resource != "gdg_1" {
		t.Errorf("unknown type: %s, %v", v.Data.Object, err)
	}
}
