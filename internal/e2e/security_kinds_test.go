package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/id"
)

// idPrefixes are the prefixes of every kind of id the API hands out.
var idPrefixes = []string{id.Event, id.Request, id.User, id.Organization, id.Key, id.Client, id.Product,
	id.Invoice, id.Series, id.Receipt, id.Retention, id.WebhookEndpt, id.Delivery, id.DeliveryAttemp}

// TestIDsOfTheWrongKindAreNotFound walks every route with a path variable
// and puts in each variable, the others being right, ids of every other
// kind: the organization's own existing objects of other kinds (a client
// where a key is expected) and fresh ids with every other prefix. The
// caller is the organization's own (its live key, its user, the
// operator); every answer is 404 resource_missing and no event is
// appended anywhere.
func TestIDsOfTheWrongKindAreNotFound(t *testing.T) {
	s := startSecuritySystem(t)
	a := s.newTenant("kinds@example.com")
	objs := s.seedObjects(a)
	keyOf := map[httpapi.Auth]string{httpapi.AuthOrg: a.live, httpapi.AuthUser: a.userKey, httpapi.AuthOperator: testAdminKey}
	before := s.allEventCount()
	for _, rt := range routesOf(s) {
		segs := strings.Split(rt.Path, "/")
		for i, seg := range segs {
			if !strings.HasPrefix(seg, "{") {
				continue
			}
			right, ok := objs[segs[i-1]]
			if !ok {
				t.Errorf("%s %s: no object for %s", rt.Method, rt.Path, segs[i-1])
				continue
			}
			for _, wrong := range wrongIDs(objs, right) {
				path, _ := fill(strings.Join(append(append(append([]string{}, segs[:i]...), wrong), segs[i+1:]...), "/"), objs)
				r := s.call(rt.Method, path, keyOf[rt.Auth], requestBody(rt))
				if r.Status != 404 || r.str("error", "code") != "resource_missing" {
					t.Errorf("%s %s with %s for %s: %d %s", rt.Method, rt.Path, wrong, seg, r.Status, r.Raw)
				}
			}
		}
	}
	if after := s.allEventCount(); after != before {
		t.Errorf("calls on ids of the wrong kind appended %d events", after-before)
	}
}

// wrongIDs are the ids of objs of another kind than right, and a fresh id
// of every prefix but right's.
func wrongIDs(objs tenantObjects, right string) []string {
	prefix, _, _ := strings.Cut(right, "_")
	var out []string
	for _, v := range objs {
		if !strings.HasPrefix(v, prefix+"_") {
			out = append(out, v)
		}
	}
	for _, p := range idPrefixes {
		if p != prefix {
			out = append(out, id.New(p))
		}
	}
	return out
}

// allEventCount counts every event of every organization and user.
func (s *system) allEventCount() int {
	s.t.Helper()
	var n int
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}
