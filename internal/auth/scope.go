package auth

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/facturo/facturo"
)

// ScopeAll grants every scope, including ones added later.
const ScopeAll = "*"

// The basic actions, after FacturaScripts' API key model: each maps to HTTP
// methods, and none implies another (invoices:write does not grant
// invoices:read). Actions with an effect outside the resource itself, like
// sending an invoice, are separate scopes so a key can create drafts without
// being able to send them.
const (
	ActionRead   = "read"   // GET, HEAD
	ActionWrite  = "write"  // POST, PUT, PATCH
	ActionDelete = "delete" // DELETE
)

// resources is the catalogue. To add a resource, add a line; extra lists
// actions beyond read, write and delete.
var resources = []struct {
	name, noun string
	extra      []scopeAction
}{
	{"account", "the organization's account settings", nil},
	{"clients", "clients", nil},
	{"products", "products", nil},
	{"invoices", "invoices", []scopeAction{
		{"send", "Send invoices to their clients by email"},
		{"void", "Void issued invoices"},
	}},
	{"receipts", "receipts", nil},
	{"retentions", "retentions", nil},
	{"series", "numbering series", nil},
	{"webhooks", "webhook endpoints", nil},
	{"events", "events", nil},
	{"keys", "API keys", nil},
}

type scopeAction struct{ name, description string }

// ScopeInfo describes one scope for the docs and for GET /v1/.
type ScopeInfo struct {
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// Catalogue lists every scope in a stable order, ScopeAll first.
func Catalogue() []ScopeInfo {
	list := []ScopeInfo{{ScopeAll, "Everything, including scopes added later"}}
	for _, r := range resources {
		list = append(list,
			ScopeInfo{r.name + ":" + ActionRead, "Read " + r.noun},
			ScopeInfo{r.name + ":" + ActionWrite, "Create and update " + r.noun},
			ScopeInfo{r.name + ":" + ActionDelete, "Delete " + r.noun},
		)
		for _, a := range r.extra {
			list = append(list, ScopeInfo{r.name + ":" + a.name, a.description})
		}
	}
	return list
}

// isScope reports whether s is in the catalogue.
func isScope(s string) bool {
	resource, action, ok := strings.Cut(s, ":")
	if !ok {
		return s == ScopeAll
	}
	for _, r := range resources {
		if r.name != resource {
			continue
		}
		switch action {
		case ActionRead, ActionWrite, ActionDelete:
			return true
		}
		return slices.ContainsFunc(r.extra, func(a scopeAction) bool { return a.name == action })
	}
	return false
}

// Scopes is a validated set of scopes. The zero value allows nothing.
type Scopes struct {
	all bool
	set map[string]struct{}
}

// ParseScopes validates and dedupes scopes. An unknown scope is an
// invalid_scope error on param "scopes" naming the first one; matching is
// exact (no trimming, no case folding), like the stored value will be.
// An empty list is valid and allows nothing.
func ParseScopes(list []string) (Scopes, error) {
	s := Scopes{set: make(map[string]struct{}, len(list))}
	for _, v := range list {
		if !isScope(v) {
			return Scopes{}, facturo.ParamError(facturo.CodeInvalidScope, "scopes",
				"Unknown scope '%s'. GET /v1/ lists the valid scopes.", truncate(v, 64))
		}
		if v == ScopeAll {
			s.all = true
		}
		s.set[v] = struct{}{}
	}
	return s, nil
}

// Allows reports whether the set grants the required scope. An empty
// required scope is never allowed, so a route whose scope could not be worked
// out (see ScopeForMethod) fails closed, even for ScopeAll.
func (s Scopes) Allows(required string) bool {
	if required == "" {
		return false
	}
	if s.all {
		return true
	}
	_, ok := s.set[required]
	return ok
}

// Strings returns the scopes sorted, for storage and for the API.
func (s Scopes) Strings() []string {
	list := make([]string, 0, len(s.set))
	for v := range s.set {
		list = append(list, v)
	}
	slices.Sort(list)
	return list
}

// ScopeForMethod returns the scope a request with this HTTP method needs on
// resource: read for GET and HEAD, write for POST, PUT and PATCH, delete for
// DELETE. It returns "" for an unknown resource or method, which Allows
// never grants. Action routes (POST /v1/invoices/{id}/send) name their scope,
// e.g. "invoices:send", instead of using this.
func ScopeForMethod(resource, method string) string {
	var action string
	switch method {
	case http.MethodGet, http.MethodHead:
		action = ActionRead
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		action = ActionWrite
	case http.MethodDelete:
		action = ActionDelete
	default:
		return ""
	}
	if scope := resource + ":" + action; isScope(scope) {
		return scope
	}
	return ""
}

// truncate shortens s for an error message, so a huge input is not echoed.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
