package httpapi

import (
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/postgres"
)

// publicRoutes are the only routes anyone may call without a key.
var publicRoutes = map[string]bool{
	"GET /healthz":         true,
	"GET /readyz":          true,
	"GET /v1/openapi.json": true,
	// A quote's public link: the unguessable token is the credential.
	"GET /public/quotes/{token}":         true,
	"POST /public/quotes/{token}/accept": true,
	"POST /public/quotes/{token}/reject": true,
}

// Every route declares who may call it, and every organization route the
// catalogue scope it needs, following the FacturaScripts mapping: read for
// GET, write for POST/PUT/PATCH, delete for DELETE, or an action scope.
func TestEveryRouteDeclaresItsScope(t *testing.T) {
	// Registration queries nothing: an unconnected pool is enough.
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)})
	routes := s.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		name := rt.Method + " " + rt.Path
		switch rt.Auth {
		case AuthNone:
			if !publicRoutes[name] {
				t.Errorf("%s needs no key but is not a known public route", name)
			}
		case AuthOperator, AuthUser, AuthKey:
			if rt.Scope != "" {
				t.Errorf("%s: operator, user and any-key routes take no scope, got %q", name, rt.Scope)
			}
		case AuthOrg:
			checkOrgScope(t, name, rt)
		default:
			t.Errorf("%s declares no auth kind", name)
		}
	}
}

func checkOrgScope(t *testing.T, name string, rt Route) {
	t.Helper()
	if rt.Scope == "" || rt.Scope == auth.ScopeAll {
		t.Errorf("%s declares no scope", name)
		return
	}
	if _, err := auth.ParseScopes([]string{rt.Scope}); err != nil {
		t.Errorf("%s: scope %q is not in the catalogue: %v", name, rt.Scope, err)
		return
	}
	if rt.AlsoScope != "" {
		// A second scope is a read scope that the route's reads depend on.
		if _, err := auth.ParseScopes([]string{rt.AlsoScope}); err != nil || !strings.HasSuffix(rt.AlsoScope, ":read") || rt.Method != "GET" {
			t.Errorf("%s: also needs %q: a second scope must be a catalogue read scope, on a GET (%v)", name, rt.AlsoScope, err)
		}
	}
	resource, action, _ := strings.Cut(rt.Scope, ":")
	if want := auth.ScopeForMethod(resource, rt.Method); action != "read" && action != "write" && action != "delete" {
		return // an action scope such as invoices:send
	} else if rt.Scope != want {
		t.Errorf("%s: scope %q, but %s maps to %q", name, rt.Scope, rt.Method, want)
	}
}

// Every scope of the catalogue is checked by some route: a scope that no
// route needs would be a control that does not exist, and a key "without"
// it would be no more restricted than one with it.
func TestEveryCatalogueScopeIsChecked(t *testing.T) {
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)})
	checked := map[string]bool{}
	for _, rt := range s.Routes() {
		if rt.Auth == AuthOrg {
			checked[rt.Scope] = true
		}
	}
	for _, sc := range auth.Catalogue() {
		if sc.Scope != auth.ScopeAll && !checked[sc.Scope] {
			t.Errorf("scope %q is in the catalogue but no route checks it: give it a route or retire it (internal/auth/scope.go)", sc.Scope)
		}
	}
}
