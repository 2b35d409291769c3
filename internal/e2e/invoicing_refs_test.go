package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// refusal is one request that must be refused with a status, a code and
// the param at fault.
type refusal struct {
	method, path string
	body         any
	status       int
	code, param  string
}

// refuseAll sends every refusal with key and checks the answers, and that
// together they appended nothing to org's events.
func (s *system) refuseAll(t *testing.T, org, key string, rs []refusal) {
	t.Helper()
	before := s.orgEventCount(org)
	for _, c := range rs {
		r := s.call(c.method, c.path, key, c.body)
		if r.Status != c.status || r.str("error", "code") != c.code || r.str("error", "param") != c.param {
			t.Errorf("%s %s %.80s: %d %.300s, want %d %s on %q", c.method, c.path, fmt.Sprint(c.body), r.Status, r.Raw, c.status, c.code, c.param)
		}
		if r.Status >= 400 && len(r.Raw) > 4096 {
			t.Errorf("%s %s: a %d-byte answer repeats the input", c.method, c.path, len(r.Raw))
		}
	}
	if after := s.orgEventCount(org); after != before {
		t.Errorf("refused requests appended %d events", after-before)
	}
}

// TestReferencesAreValidated: every id an input names is checked for
// kind, tenant and state, a series must exist (but the default A), and
// integers are bounded before they are used: a substitution must be
// another issued invoice of the organization and mode; next_number is
// 1..999999999999 and a series that reached it refuses to issue; grace
// periods and unix times never overflow into something accepted.
func TestReferencesAreValidated(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("refs@example.com")
	b := s.newTenant("refs-other@example.com")
	key := a.live
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	issue := func(key, client string) string {
		id := s.must(201, "POST", "/v1/invoices", key, invoiceBody(client, "", item(product("10.00", false), "1"))).str("id")
		s.must(200, "POST", "/v1/invoices/"+id+"/issue", key, nil)
		return id
	}
	voided, substitute := issue(key, cid), issue(key, cid)
	draft := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("10.00", false), "1"))).str("id")
	foreign := issue(b.live, s.must(201, "POST", "/v1/clients", b.live, acme).str("id"))
	testMode := issue(a.test, s.must(201, "POST", "/v1/clients", a.test, acme).str("id"))
	ep := s.must(201, "POST", "/v1/webhook_endpoints", key, map[string]any{"url": "https://example.com/hook", "enabled_events": []string{"*"}}).str("id")
	void := func(sub string) map[string]any { return map[string]any{"reason": "01", "substitution": sub} }
	huge := strings.Repeat("x", 900_000)
	s.refuseAll(t, a.orgID, key, []refusal{
		{"POST", "/v1/invoices/" + voided + "/void", void(foreign), 404, "resource_missing", "substitution"},
		{"POST", "/v1/invoices/" + voided + "/void", void(testMode), 404, "resource_missing", "substitution"},
		{"POST", "/v1/invoices/" + voided + "/void", void(cid), 404, "resource_missing", "substitution"},
		{"POST", "/v1/invoices/" + voided + "/void", void("inv_" + huge), 404, "resource_missing", "substitution"},
		{"POST", "/v1/invoices/" + voided + "/void", void(voided), 400, "parameter_invalid", "substitution"},
		{"POST", "/v1/invoices/" + voided + "/void", void(draft), 400, "parameter_invalid", "substitution"},
		{"POST", "/v1/invoices", invoiceBody(cid, "ZZ", item(product("1.00", false), "1")), 404, "resource_missing", "series"},
		{"PATCH", "/v1/invoices/" + draft, map[string]any{"series": "zz"}, 404, "resource_missing", "series"},
		{"POST", "/v1/invoices/" + substitute + "/corrective", map[string]any{"reason": "x", "series": "ZZ"}, 404, "resource_missing", "series"},
		{"POST", "/v1/series", map[string]any{"code": "MAX", "next_number": int64(9223372036854775807)}, 400, "parameter_invalid", "next_number"},
		{"POST", "/v1/series", map[string]any{"code": "MAX", "next_number": 1_000_000_000_000}, 400, "parameter_invalid", "next_number"},
		{"POST", "/v1/webhook_endpoints/" + ep + "/rotate_secret", map[string]any{"grace_period_seconds": int64(18446744074)}, 400, "parameter_invalid", "grace_period_seconds"},
		{"POST", "/v1/webhook_endpoints/" + ep + "/rotate_secret", map[string]any{"grace_period_seconds": int64(9223372037)}, 400, "parameter_invalid", "grace_period_seconds"},
		{"POST", "/v1/webhook_endpoints/" + ep + "/recover", map[string]any{"since": int64(-9223372036854775808)}, 400, "parameter_invalid", "since"},
		{"POST", "/v1/webhook_endpoints/" + ep + "/recover", map[string]any{"since": 0, "until": int64(9223372036854775807)}, 400, "parameter_invalid", "until"},
		{"GET", "/v1/invoices/" + voided + "?as_of=99999999999999", nil, 400, "parameter_invalid", "as_of"},
		{"GET", "/v1/invoices?created[gte]=-62135596801", nil, 400, "parameter_invalid", "created[gte]"},
	})
	userKey := s.must(200, "GET", "/v1/organizations/"+a.orgID+"/api_keys", a.userKey, nil).list()[0]["id"].(string)
	s.refuseAll(t, a.orgID, a.userKey, []refusal{
		{"POST", "/v1/organizations/" + a.orgID + "/api_keys/" + userKey + "/rotate", map[string]any{"grace_period_seconds": int64(18446744074)}, 400, "parameter_invalid", "grace_period_seconds"},
	})

	// What is accepted: another issued invoice; the default series in any
	// case without creating it; a series at its last number, once.
	r := s.must(200, "POST", "/v1/invoices/"+voided+"/void", key, void(substitute))
	if r.str("cancellation", "substitution") != substitute {
		t.Errorf("void: %s", r.Raw)
	}
	s.must(200, "PATCH", "/v1/invoices/"+draft, key, map[string]any{"series": " a "})
	s.must(201, "POST", "/v1/series", key, map[string]any{"code": "MAX", "next_number": 999_999_999_999})
	last := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "max", item(product("1.00", false), "1"))).str("id")
	if n := folio(s.must(200, "POST", "/v1/invoices/"+last+"/issue", key, nil)); n != 999_999_999_999 {
		t.Errorf("last folio %d", n)
	}
	over := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "MAX", item(product("1.00", false), "1"))).str("id")
	s.refuseAll(t, a.orgID, key, []refusal{
		{"POST", "/v1/invoices/" + over + "/issue", nil, 409, "invalid_state", ""},
		{"PATCH", "/v1/series/" + seriesByCode(t, s, key, "MAX"), map[string]any{"next_number": int64(9223372036854775807)}, 400, "parameter_invalid", "next_number"},
	})
}
