package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/httpapi"
)

// TestSecurityScopeMatrix (OWASP API5, broken function level
// authorization) derives keys from the closed scope catalogue: for every
// organization route, a key holding every scope but one of the route's
// (most need one; a PDF needs pdfs:read and its document's read scope)
// gets 403 insufficient_scope and writes nothing, and a key holding
// exactly the route's scopes is let through.
func TestSecurityScopeMatrix(t *testing.T) {
	s := startSecuritySystem(t)
	a := s.newTenant("scoped@example.com")
	objs := s.seedObjects(a)
	// Well-formed ids of the right kind that name nothing, so a write let
	// through by its scope changes nothing either.
	absent := tenantObjects{}
	for k, v := range objs {
		absent[k] = v[:len(v)-1] + map[bool]string{true: "1", false: "0"}[v[len(v)-1] == '0']
	}
	absent["organizations"] = a.orgID

	var catalogue []string
	for _, sc := range auth.Catalogue() {
		if sc.Scope != auth.ScopeAll {
			catalogue = append(catalogue, sc.Scope)
		}
	}
	keyWith := map[string]string{}
	newKey := func(scopes []string) string {
		return s.must(201, "POST", "/v1/organizations/"+a.orgID+"/api_keys", a.userKey,
			map[string]any{"name": "scoped", "mode": "live", "scopes": scopes}).str("secret")
	}
	before := s.orgEventCount(a.orgID)
	var routes []httpapi.Route
	for _, rt := range routesOf(s) {
		if rt.Auth != httpapi.AuthOrg {
			continue
		}
		for _, sc := range rt.Scopes() {
			if !slices.Contains(catalogue, sc) {
				t.Errorf("%s %s needs scope %q, which is not in the catalogue", rt.Method, rt.Path, sc)
				continue
			}
			if _, ok := keyWith["all but "+sc]; !ok {
				keyWith["all but "+sc] = newKey(slices.DeleteFunc(slices.Clone(catalogue), func(v string) bool { return v == sc }))
			}
		}
		routes = append(routes, rt)
		if exactly := strings.Join(rt.Scopes(), " "); keyWith[exactly] == "" {
			keyWith[exactly] = newKey(rt.Scopes())
		}
	}
	before += len(keyWith) // one key.created event per key
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		path, missing := fill(rt.Path, objs)
		if missing != "" {
			t.Errorf("%s: no substitution rule for %s", name, missing)
			continue
		}
		for _, sc := range rt.Scopes() {
			r := s.call(rt.Method, path, keyWith["all but "+sc], requestBody(rt))
			if r.Status != 403 || r.str("error", "code") != "insufficient_scope" {
				t.Errorf("%s without %s: %d %s", name, sc, r.Status, r.Raw)
			}
		}
		exactly := strings.Join(rt.Scopes(), " ")
		// Reads run on A's real objects; writes on absent ids (404) or with
		// an empty body (400): anything but 401 and 403.
		if rt.Method == http.MethodGet {
			// A's organization is MX: Facturae, Spain's format, answers
			// 409 country_unsupported once the key is let through.
			spanish := strings.HasSuffix(rt.Path, "/facturae")
			if r := s.call(rt.Method, path, keyWith[exactly], nil); r.Status != 200 && !(spanish && r.str("error", "code") == "country_unsupported") {
				t.Errorf("%s with exactly %s: %d %s", name, exactly, r.Status, r.Raw)
			}
			continue
		}
		path, _ = fill(rt.Path, absent)
		if r := s.call(rt.Method, path, keyWith[exactly], requestBody(rt)); r.Status == 401 || r.Status == 403 {
			t.Errorf("%s with exactly %s: %d %s", name, exactly, r.Status, r.Raw)
		}
	}
	if after := s.orgEventCount(a.orgID); after != before {
		t.Errorf("scope refusals and absent ids wrote events: %d expected, %d found", before, after)
	}
}
