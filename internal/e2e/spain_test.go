package e2e

import "testing"

// The country is chosen when the organization is created, shown on it,
// and never changed: a patch naming it is refused and changes nothing.
func TestOrganizationCountry(t *testing.T) {
	s := startSystem(t)
	mx := s.newTenant("mx@example.com")
	if got := s.must(200, "GET", "/v1/organizations/"+mx.orgID, mx.userKey, nil).str("country"); got != "MX" {
		t.Errorf("default country: got %q, want MX", got)
	}
	es := s.newTenantIn("ES", "es@example.com")
	path := "/v1/organizations/" + es.orgID
	if got := s.must(200, "GET", path, es.userKey, nil).str("country"); got != "ES" {
		t.Errorf("country: got %q, want ES", got)
	}
	r := s.must(400, "PATCH", path, es.userKey, map[string]any{"country": "MX"})
	if p := r.str("error", "param"); p != "country" {
		t.Errorf("patching the country: param %q, want country (%s)", p, r.Raw)
	}
	if got := s.must(200, "GET", path, es.userKey, nil).str("country"); got != "ES" {
		t.Errorf("after the refused patch: country %q, want ES", got)
	}
	u := s.must(201, "POST", "/v1/users", testAdminKey, map[string]any{"email": "fr@example.com", "name": "F"})
	r = s.must(400, "POST", "/v1/organizations", u.str("secret_key"), map[string]any{"name": "F", "country": "FR"})
	if p := r.str("error", "param"); p != "country" {
		t.Errorf("country FR: param %q, want country", p)
	}
}
