package authnats

import (
	"slices"
	"strings"
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
		"events.*.*.key.>":          true,
		"events.*.*.organization.>": true,
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

// The key events of user keys have no organization (they are published on
// events.live._.key.*): the listener's filters must catch them as they
// catch organization keys', or a revoked user key would live on in other
// processes' caches for the TTL.
func TestSubjectsCatchEveryKeyEvent(t *testing.T) {
	for _, e := range []events.Event{
		{Type: events.KeyRevoked, OrgID: "", Livemode: true},       // a user key
		{Type: events.KeyRotated, OrgID: "", Livemode: true},       // a user key
		{Type: events.KeyUpdated, OrgID: "org_1", Livemode: false}, // an organization test key
		{Type: events.KeyCreated, OrgID: "org_1", Livemode: true},
		{Type: events.OrganizationDisabled, OrgID: "org_1", Livemode: true},
		// What GET /v1/account describes: every organization event.
		{Type: events.OrganizationUpdated, OrgID: "org_1", Livemode: true},
		{Type: events.OrganizationLogoUpdated, OrgID: "org_1", Livemode: true},
	} {
		subject := events.Subject(e)
		if !slices.ContainsFunc(Subjects(), func(f string) bool { return subjectMatches(f, subject) }) {
			t.Errorf("%s is published on %s, which no filter of %v matches", e.Type, subject, Subjects())
		}
	}
}

// subjectMatches is NATS subject matching: * is one token, > the rest.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) || s[i] == "" {
			return false
		}
	}
	return len(f) == len(s)
}
