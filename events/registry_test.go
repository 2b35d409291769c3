package events_test

import (
	"testing"

	"github.com/facturo/facturo/events"
)

func TestRegistry(t *testing.T) {
	r := events.NewRegistry()
	if err := r.Register(events.TypeInfo{Name: "b.x", Description: "B"}, events.TypeInfo{Name: "a.x", Description: "A"}); err != nil {
		t.Fatal(err)
	}
	if got := r.Types(); len(got) != 2 || got[0].Name != "a.x" || got[1].Description != "B" {
		t.Fatalf("types %v, want a.x then b.x", got)
	}
	for _, bad := range [][]events.TypeInfo{
		{{Name: "c.x"}, {Name: "c.x"}}, // twice in one call
		{{Name: "c.x"}, {Name: "a.x"}}, // already registered
		{{Name: ""}},
	} {
		if err := r.Register(bad...); err == nil {
			t.Errorf("Register(%v) succeeded", bad)
		}
	}
	if r.Known("c.x") || !r.Known("a.x") || len(r.Types()) != 2 {
		t.Fatalf("failed registrations changed the registry: %v", r.Types())
	}
}
