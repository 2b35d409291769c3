package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/httpapi"
)

// The security suites walk every route the router registers. These helpers
// build one organization's objects of every kind and turn a route pattern
// into a concrete path.

// routesOf lists the routes of an API built on s's services, exactly as
// production registers them.
func routesOf(s *system) []httpapi.Route {
	return httpapi.New(httpapi.Deps{Store: s.svc.Store}).Routes()
}

// tenantObjects are the ids of one organization's objects, keyed by the
// path segment that precedes a path variable ("clients", "deliveries",
// "organizations", ...). A route variable whose segment has no entry here
// has no substitution rule, and the suites fail on it.
type tenantObjects map[string]string

// ids returns every id but those of the except kinds, to look for in
// answers that must not show them.
func (o tenantObjects) ids(except ...string) []string {
	out := make([]string, 0, len(o))
	for k, v := range o {
		if !slices.Contains(except, k) {
			out = append(out, v)
		}
	}
	return out
}

// startSecuritySystem is a system whose webhook worker may reach a local
// receiver, so live endpoints get real deliveries.
func startSecuritySystem(t *testing.T) *system {
	t.Helper()
	return startSystemWith(t, func(c *app.Config) {
		c.Webhooks.AllowNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
}

// seedObjects creates one object of every kind in tk's live mode and
// returns their ids once the lists (projections) show them.
func (s *system) seedObjects(tk tenantKeys) tenantObjects {
	s.t.Helper()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	s.t.Cleanup(rcv.Close)
	key := tk.live
	o := tenantObjects{"users": tk.userID, "organizations": tk.orgID}
	o["clients"] = s.must(201, "POST", "/v1/clients", key, acme).str("id")
	o["products"] = s.must(201, "POST", "/v1/products", key, product("10.00", false)).str("id")
	o["series"] = s.must(201, "POST", "/v1/series", key, map[string]any{"code": "SEC"}).str("id")
	o["tax_rates"] = s.must(201, "POST", "/v1/tax_rates", key, map[string]any{"name": "IVA", "type": "IVA", "rate": "0.16"}).str("id")
	o["invoices"] = s.must(201, "POST", "/v1/invoices", key, invoiceBody(o["clients"], "SEC", item(o["products"], "1"))).str("id")
	o["receipts"] = s.must(201, "POST", "/v1/receipts", key, receiptBody("10.00", "1")).str("id")
	o["quotes"] = s.must(201, "POST", "/v1/quotes", key, quoteBody(o["clients"], item(o["products"], "1"))).str("id")
	o["proformas"] = s.must(201, "POST", "/v1/proformas", key, quoteBody(o["clients"], item(o["products"], "1"))).str("id")
	o["retentions"] = s.must(201, "POST", "/v1/retentions", key, map[string]any{"client": o["clients"],
		"period":   map[string]any{"from_month": 1, "to_month": 1, "year": 2025},
		"concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}},
	}).str("id")
	o["recurring_invoices"] = s.must(201, "POST", "/v1/recurring_invoices", key, recurringBody(o["clients"], o["products"],
		map[string]any{"interval": "monthly", "start_at": "2030-01-01T00:00:00Z"})).str("id")
	o["webhook_endpoints"] = s.must(201, "POST", "/v1/webhook_endpoints", key,
		map[string]any{"url": rcv.URL, "enabled_events": []string{"*"}}).str("id")
	o["deliveries"] = s.must(202, "POST", "/v1/webhook_endpoints/"+o["webhook_endpoints"]+"/ping", key, nil).str("id")
	o["events"] = s.must(200, "GET", "/v1/events?limit=1", key, nil).list()[0]["id"].(string)
	for _, k := range s.must(200, "GET", "/v1/organizations/"+tk.orgID+"/api_keys", tk.userKey, nil).list() {
		if k["livemode"] == true {
			o["api_keys"] = k["id"].(string)
		}
	}
	for _, plural := range []string{"clients", "products", "series", "tax_rates", "invoices", "receipts", "quotes", "proformas", "retentions", "recurring_invoices", "webhook_endpoints"} {
		eventually(s.t, plural+" listed", func() bool {
			return strings.Contains(string(s.must(200, "GET", "/v1/"+plural, key, nil).Raw), o[plural])
		})
	}
	return o
}

// fill substitutes every {var} of pattern with objs[segment before it]; ok
// is false when a variable has no rule.
func fill(pattern string, objs tenantObjects) (path, missing string) {
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		if i == 0 {
			return "", seg
		}
		v, ok := objs[segs[i-1]]
		if !ok {
			return "", segs[i-1] + "/" + seg
		}
		segs[i] = v
	}
	return strings.Join(segs, "/"), ""
}

// orgEventCount counts an organization's events, to prove a matrix of
// refused calls wrote nothing.
func (s *system) orgEventCount(org string) int {
	s.t.Helper()
	var n int
	if err := s.svc.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE org_id = $1`, org).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// leaks names the first of ids that appears in raw.
func leaks(raw []byte, ids []string) string {
	for _, v := range ids {
		if strings.Contains(string(raw), v) {
			return v
		}
	}
	return ""
}

// jsonBody is the JSON request body of op, nil if it takes none or takes
// raw bytes (a logo upload).
func jsonBody(op *openapi3.Operation) *openapi3.MediaType {
	if op == nil || op.RequestBody == nil {
		return nil
	}
	return op.RequestBody.Value.Content.Get("application/json")
}

// requestBody is what the matrices send: nothing for reads, a valid logo
// for an upload, the
// document's example for the writes on an object whose body has required
// fields (the body is checked before the ids it names are looked up), {}
// for the other writes (a create refuses it: nothing is written).
func requestBody(rt httpapi.Route) any {
	if rt.Method == http.MethodPut { // an upload: a valid one, so that only the id decides
		return logoPNG()
	}
	if rt.Method != http.MethodPost && rt.Method != http.MethodPatch {
		return nil
	}
	specMu.Lock()
	sp := specLoaded
	specMu.Unlock()
	if sp != nil && strings.Contains(rt.Path, "{") {
		op := sp.doc.Paths.Find(rt.Path).GetOperation(rt.Method)
		if media := jsonBody(op); media != nil && (len(media.Schema.Value.Required) > 0 || len(media.Schema.Value.AllOf) > 0) {
			return media.Example
		}
	}
	return map[string]any{}
}
