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

// resources is the catalogue. To add a resource, add a line with the basic
// actions it has (read, write, delete) and any extra ones. A scope belongs
// here only if some route checks it (TestEveryCatalogueScopeIsChecked in
// internal/httpapi): a scope nothing checks would promise a control that
// does not exist.
var resources = []struct {
	name, noun string
	basic      []string
	extra      []scopeAction
}{
	{"account", "the organization's account settings", read, nil},
	{"clients", "clients", readWriteDelete, nil},
	{"products", "products", readWriteDelete, nil},
	{"taxes", "tax rates", readWriteDelete, nil},
	// Quotes are not fiscal documents: a draft may be deleted.
	{"quotes", "quotes", readWriteDelete, []scopeAction{
		{"send", "Send quotes by email (the first send numbers them and opens their public accept/reject link)"},
		{"transition", "Accept, reject and convert quotes into invoices"},
	}},
	// Pro-forma invoices are not fiscal documents: a draft may be deleted.
	{"proformas", "pro-forma invoices", readWriteDelete, []scopeAction{
		{"send", "Send pro-forma invoices to their clients by email"},
		{"transition", "Issue, cancel and convert pro-forma invoices into invoices"},
	}},
	{"invoices", "invoices", readWriteDelete, []scopeAction{
		{"send", "Send invoices to their clients by email"},
		{"void", "Void issued invoices"},
	}},
	// Fiscal documents and numbering are cancelled, never deleted.
	{"receipts", "receipts", readWrite, []scopeAction{
		{"send", "Send receipts by email"},
	}},
	{"retentions", "retentions", readWrite, []scopeAction{
		{"send", "Send retentions to their clients by email"},
	}},
	{"series", "numbering series", readWrite, nil},
	{"recurring_invoices", "recurring invoices", readWriteDelete, []scopeAction{
		{"transition", "Pause and resume recurring invoices"},
		{"generate", "Generate a recurring invoice's invoice now, outside its schedule"},
	}},
	// A PDF also needs the document's own read scope (invoices:read...).
	{"pdfs", "the PDFs of invoices, receipts, retentions, quotes and proformas (with the document's read scope)", read, nil},
	{"webhooks", "webhook endpoints", readWriteDelete, nil},
	// Events are immutable.
	{"events", "events", read, nil},
	// VeriFactu records are written by issuing and canceling, never by hand.
	{"verifactu", "the VeriFactu billing record chain", read, nil},
}

var (
	read            = []string{ActionRead}
	readWrite       = []string{ActionRead, ActionWrite}
	readWriteDelete = []string{ActionRead, ActionWrite, ActionDelete}
)

// retired are scopes that were in the catalogue although no route checked
// them, and were removed. New keys may not name them (invalid_scope); keys
// stored with them keep working, because StoredScopes drops them on load:
// they never granted anything, so dropping them takes nothing away.
//
//   - keys:*: keys are managed with the user key only; an organization key
//     that could manage keys could raise its own scopes.
//   - account:write, account:delete: the organization's profile belongs to
//     its owner's user key.
//   - receipts:delete, retentions:delete, series:delete: fiscal documents
//     and numbering series are cancelled (a write), never deleted.
//   - events:write, events:delete: events are immutable.
var retired = []string{
	"keys:read", "keys:write", "keys:delete", "account:write", "account:delete",
	"receipts:delete", "retentions:delete", "series:delete", "events:write", "events:delete",
}

type scopeAction struct{ name, description string }

// ScopeInfo describes one scope for the docs and for GET /v1/.
type ScopeInfo struct {
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

var basicDescriptions = map[string]string{
	ActionRead: "Read ", ActionWrite: "Create and update ", ActionDelete: "Delete ",
}

// Catalogue lists every scope in a stable order, ScopeAll first.
func Catalogue() []ScopeInfo {
	list := []ScopeInfo{{ScopeAll, "Everything, including scopes added later"}}
	for _, r := range resources {
		for _, a := range r.basic {
			list = append(list, ScopeInfo{r.name + ":" + a, basicDescriptions[a] + r.noun})
		}
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
		if r.name == resource {
			return slices.Contains(r.basic, action) ||
				slices.ContainsFunc(r.extra, func(a scopeAction) bool { return a.name == action })
		}
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
		if slices.Contains(retired, v) {
			return Scopes{}, facturo.ParamError(facturo.CodeInvalidScope, "scopes",
				"The scope '%s' was retired: no operation needs it. GET /v1/ lists the valid scopes.", v)
		}
		if !isScope(v) {
			return Scopes{}, facturo.ParamError(facturo.CodeInvalidScope, "scopes",
				"Unknown scope '%s'. GET /v1/ lists the valid scopes.", truncate(v, 64))
		}
		s.add(v)
	}
	return s, nil
}

// StoredScopes reads the scopes of a stored key. Unlike ParseScopes it
// never fails: a scope outside the catalogue (a retired one, see retired)
// is dropped. It granted nothing, because no route checks it, so the key
// keeps exactly the access it had and is not locked out by an error on
// every request. Input is always checked with ParseScopes first.
func StoredScopes(list []string) Scopes {
	s := Scopes{set: make(map[string]struct{}, len(list))}
	for _, v := range list {
		if isScope(v) {
			s.add(v)
		}
	}
	return s
}

func (s *Scopes) add(v string) {
	if v == ScopeAll {
		s.all = true
	}
	s.set[v] = struct{}{}
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
