package authnats

import (
	"testing"

	"github.com/facturo/facturo/events"
)

type recorder struct {
	keys []string
	all  int
}

func (r *recorder) InvalidateKey(id string) { r.keys = append(r.keys, id) }
func (r *recorder) InvalidateAll()          { r.all++ }

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		typ      string
		wantKeys int
		wantAll  int
	}{
		{events.KeyCreated, 1, 0},
		{events.KeyUpdated, 1, 0},
		{events.KeyRotated, 1, 0},
		{events.KeyRevoked, 1, 0},
		{events.OrganizationDisabled, 0, 1},
		{events.OrganizationEnabled, 0, 1},
		{events.OrganizationUpdated, 0, 0},
	} {
		var r recorder
		Apply(&r, events.Event{Type: tc.typ, StreamID: "key_1"})
		if len(r.keys) != tc.wantKeys || r.all != tc.wantAll || (tc.wantKeys == 1 && r.keys[0] != "key_1") {
			t.Errorf("%s: invalidated keys %v, all %d times", tc.typ, r.keys, r.all)
		}
	}
}

func TestSubjectsMatchTheEvents(t *testing.T) {
	want := map[string]bool{
		"events.*.*.key.>":                     true,
		"events.*.*.organization.api_disabled": true,
		"events.*.*.organization.api_enabled":  true,
	}
	for _, s := range Subjects() {
		if !want[s] {
			t.Errorf("unexpected subject %q", s)
		}
		delete(want, s)
	}
	if len(want) != 0 {
		t.Errorf("missing subjects %v", want)
	}
}
