package app

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
)

// The catalogue is assembled once, in RegisterEventTypes, and is what GET
// /v1/event_types served when each package registered its types from
// init (testdata/event_types.json, recorded then; client.updated and
// product.updated were registered twice, and the invoicing descriptions
// won).
func TestEventCatalogueIsUnchanged(t *testing.T) {
	r := events.NewRegistry()
	if err := RegisterEventTypes(r); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/event_types.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []events.TypeInfo
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if got := r.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("catalogue changed:\n got %v\nwant %v", got, want)
	}
	if err := InstallEventTypes(); err != nil {
		t.Fatal(err)
	}
	if got := events.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("process catalogue:\n got %v\nwant %v", got, want)
	}
}

func TestEventTypeRegisteredTwiceIsAnError(t *testing.T) {
	r := events.NewRegistry()
	if err := accounts.RegisterEvents(r); err != nil {
		t.Fatal(err)
	}
	if err := accounts.RegisterEvents(r); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Fatalf("second registration of the account types: %v, want an error", err)
	}
	// Another package claiming a type invoicing owns, as events/types.go
	// once did with client.updated.
	r = events.NewRegistry()
	if err := r.Register(events.TypeInfo{Name: events.ClientUpdated, Description: "A client was updated."}); err != nil {
		t.Fatal(err)
	}
	err := invoicing.RegisterEvents(r)
	if err == nil || !strings.Contains(err.Error(), `"client.updated"`) {
		t.Fatalf("invoicing after another owner of client.updated: %v, want an error naming it", err)
	}
	if r.Known(events.ClientCreated) {
		t.Fatal("a failed registration added some of its types")
	}
}

// Every type of the catalogue belongs to one kind of stream, so the event
// store can refuse it on a stream of another kind (postgres.StreamPrefix).
func TestEveryEventTypeHasAStreamKind(t *testing.T) {
	r := events.NewRegistry()
	if err := RegisterEventTypes(r); err != nil {
		t.Fatal(err)
	}
	for _, ty := range r.Types() {
		if _, ok := postgres.StreamPrefix(ty.Name); !ok {
			t.Errorf("event type %s has no stream kind", ty.Name)
		}
	}
	if p, _ := postgres.StreamPrefix(events.KeyUpdated); p != "key" {
		t.Errorf("key.updated belongs to %q streams, want key", p)
	}
}

// Every type of the catalogue is about one kind of object, which its events
// show folded (events.Render): none falls back to its bare data.
func TestEveryEventTypeHasAnObject(t *testing.T) {
	r := events.NewRegistry()
	if err := RegisterEventTypes(r); err != nil {
		t.Fatal(err)
	}
	for _, ty := range r.Types() {
		if k, ok := r.Object(ty.Name); !ok || k.Name != events.ObjectName(ty.Name) {
			t.Errorf("event type %s has no object kind", ty.Name)
		}
	}
}
