package e2e

import (
	"net/http"
	"testing"

	"github.com/facturo/facturo/internal/httpapi"
)

// Routes that hold no tenant data, each with the reason. A new public or
// operator route must be added here on purpose.
var untenanted = map[string]string{
	"GET /healthz":                           "liveness, no data",
	"GET /readyz":                            "readiness, no data",
	"GET /v1/openapi.json":                   "the public API description, no data",
	"POST /v1/users":                         "operator only: creates a user",
	"POST /v1/organizations/{id}/api_access": "operator only: suspends an organization",
	"GET /v1/users/{id}":                     "operator only: reads a user",
	"POST /v1/users/{id}/secret_key/rotate":  "operator only: rotates a user's key",
	"POST /v1/users/{id}/secret_key/revoke":  "operator only: revokes a user's key",
	"POST /v1/user/secret_key/rotate":        "acts on the calling user key itself: it names no one else's (TestUserKeyLifecycle)",
	"POST /v1/user/secret_key/revoke":        "acts on the calling user key itself: it names no one else's (TestUserKeyLifecycle)",
	"GET /public/quotes/{token}":             "a quote's public link: its unguessable token is the credential (TestQuoteLinksRefuseWrongAndExpiredTokens)",
	"POST /public/quotes/{token}/accept":     "a quote's public link: its unguessable token is the credential (TestQuoteLinksRefuseWrongAndExpiredTokens)",
	"POST /public/quotes/{token}/reject":     "a quote's public link: its unguessable token is the credential (TestQuoteLinksRefuseWrongAndExpiredTokens)",
}

// Collection POSTs and what a foreign caller can try with them. A body
// naming the victim's objects must answer 404; a plain create only makes
// the caller's own object. A new collection POST needs an entry.
func collectionPosts(a tenantObjects) map[string]any {
	return map[string]any{
		"POST /v1/invoices":           invoiceBody(a["clients"], "", item(a["products"], "1")),
		"POST /v1/retentions":         map[string]any{"client": a["clients"], "period": map[string]any{"from_month": 1, "to_month": 1, "year": 2025}, "concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}}},
		"POST /v1/receipts":           map[string]any{"items": []any{item(a["products"], "1")}, "payment_form": "01"},
		"POST /v1/recurring_invoices": recurringBody(a["clients"], a["products"], map[string]any{"interval": "daily"}),
		"POST /v1/quotes":             quoteBody(a["clients"], item(a["products"], "1")),
		"POST /v1/proformas":          quoteBody(a["clients"], item(a["products"], "1")),
		"POST /v1/products":           map[string]any{"description": "x", "price": "1.00", "taxes": []any{map[string]any{"tax_rate": a["tax_rates"]}}},
		// Nothing foreign to name: the caller creates its own object.
		"POST /v1/clients":                 nil,
		"POST /v1/tax_rates":               nil,
		"POST /v1/series":                  nil,
		"POST /v1/webhook_endpoints":       nil,
		"POST /v1/receipts/global_invoice": nil,
		"POST /v1/organizations":           nil,
	}
}

// TestSecurityCrossTenantMatrix (OWASP API1, BOLA; API5, BFLA across
// modes) calls every tenant route of the router on organization A's ids
// with A's test key and both of B's keys, and every user route with user
// B's key on A's organization and keys: each answers 404, no answer shows
// A's ids, and A's event stream is unchanged.
func TestSecurityCrossTenantMatrix(t *testing.T) {
	s := startSecuritySystem(t)
	a := s.newTenant("victim@example.com")
	b := s.newTenant("intruder@example.com")
	objs := s.seedObjects(a)
	// A's test key legitimately sees its organization, nothing else of A.
	victimIDs := map[string][]string{"A's test key": objs.ids("organizations")}
	posts := collectionPosts(objs)
	seen := func(label string) []string {
		if ids, ok := victimIDs[label]; ok {
			return ids
		}
		return objs.ids()
	}
	before := s.orgEventCount(a.orgID)

	callers := map[httpapi.Auth]map[string]string{
		httpapi.AuthOrg:  {"A's test key": a.test, "B's live key": b.live, "B's test key": b.test},
		httpapi.AuthUser: {"user B": b.userKey},
		httpapi.AuthKey:  {"A's test key": a.test, "B's live key": b.live, "B's test key": b.test, "user B": b.userKey},
	}
	for _, rt := range routesOf(s) {
		name := rt.Method + " " + rt.Path
		if _, ok := untenanted[name]; ok {
			continue
		}
		who, ok := callers[rt.Auth]
		if !ok {
			t.Errorf("%s: auth %d is neither org, user nor listed in untenanted", name, rt.Auth)
			continue
		}
		path, missing := fill(rt.Path, objs)
		if missing != "" {
			t.Errorf("%s: no substitution rule for %s; add the kind to seedObjects", name, missing)
			continue
		}
		for label, key := range who {
			switch {
			case path != rt.Path: // names one of A's objects
				r := s.call(rt.Method, path, key, requestBody(rt))
				if r.Status != 404 || r.str("error", "code") != "resource_missing" {
					t.Errorf("%s as %s on A's ids: %d %s", name, label, r.Status, r.Raw)
				}
			case rt.Method == http.MethodGet: // a list or the caller's own account
				r := s.call(rt.Method, path, key, nil)
				if r.Status != 200 {
					t.Errorf("%s as %s: %d %s", name, label, r.Status, r.Raw)
				}
				if id := leaks(r.Raw, seen(label)); id != "" {
					t.Errorf("%s as %s shows A's %s: %s", name, label, id, r.Raw)
				}
			default:
				body, ok := posts[name]
				if !ok {
					t.Errorf("%s: a collection write with no rule in collectionPosts", name)
					continue
				}
				if body == nil {
					body = map[string]any{}
				}
				r := s.call(rt.Method, path, key, body)
				if _, own := posts[name].(map[string]any); own && r.Status != 404 {
					t.Errorf("%s as %s naming A's objects: %d %s", name, label, r.Status, r.Raw)
				}
				// An error may echo the id the caller sent; a success must not show A's.
				if id := leaks(r.Raw, seen(label)); r.Status < 300 && id != "" {
					t.Errorf("%s as %s shows A's %s: %s", name, label, id, r.Raw)
				}
			}
		}
	}
	if after := s.orgEventCount(a.orgID); after != before {
		t.Errorf("refused calls changed organization A: %d events before, %d after", before, after)
	}
}
