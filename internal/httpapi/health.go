package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/auth"
)

func (s *Server) registerHealthRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/healthz", Auth: AuthNone}, s.healthz)
	s.Handle(r, Route{Method: "GET", Path: "/readyz", Auth: AuthNone}, s.readyz)
}

// healthz answers while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 only when Ready says so: PostgreSQL and NATS are
// reachable, the migrations are applied and (internal/app) every supervised
// background component is running.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err)
			return &facturo.Error{Code: facturo.CodeServiceUnavailable, Message: "Not ready: " + err.Error(),
				RetryAfter: 5 * time.Second, Err: err}
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) registerRootRoutes(r *mux.Router) {
	// Any valid key may ask what it may do: a key with few scopes is the
	// one that most needs to know.
	root := Route{Method: "GET", Path: "/v1", Auth: AuthKey}
	s.Handle(r, root, s.root)
	// "/v1/" answers the same: it was the documented path before the
	// document dropped trailing slashes.
	r.Handle("/v1/", s.wrap(root, reading(s.root))).Methods(root.Method)
	s.Handle(r, Route{Method: "GET", Path: "/v1/event_types", Auth: AuthOrg, Scope: "events:read"}, s.eventTypes)
}

type resourceAccess struct {
	Resource string   `json:"resource"`
	Actions  []string `json:"actions"`
	Routes   []string `json:"routes"`
}

// root lists what the calling key may do: every route it may call, and
// for an organization key the resources and actions its scopes grant.
func (s *Server) root(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	byScope := map[string]*resourceAccess{}
	var order []string
	routes := []string{}
	for _, rt := range s.routes {
		if rt.Auth == AuthKey || (rt.Auth == AuthUser && p.Auth == AuthUser) {
			routes = append(routes, rt.Method+" "+rt.Path)
		}
		if rt.Auth != AuthOrg || p.Auth != AuthOrg || !rt.allows(p.Scopes) {
			continue
		}
		routes = append(routes, rt.Method+" "+rt.Path)
		res, action := splitScope(rt.Scope)
		a, ok := byScope[res]
		if !ok {
			a = &resourceAccess{Resource: res}
			byScope[res] = a
			order = append(order, res)
		}
		if !contains(a.Actions, action) {
			a.Actions = append(a.Actions, action)
		}
		a.Routes = append(a.Routes, rt.Method+" "+rt.Path)
	}
	out := make([]resourceAccess, 0, len(order))
	for _, res := range order {
		out = append(out, *byScope[res])
	}
	kind := "organization"
	if p.Auth == AuthUser {
		kind = "user"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "api_root", "kind": kind, "livemode": p.Tenant.Livemode, "key": p.KeyPrefix,
		"scopes": p.Scopes.Strings(), "resources": out, "routes": routes, "scope_catalogue": auth.Catalogue(),
	})
	return nil
}

func splitScope(scope string) (string, string) {
	for i := range scope {
		if scope[i] == ':' {
			return scope[:i], scope[i+1:]
		}
	}
	return scope, ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
