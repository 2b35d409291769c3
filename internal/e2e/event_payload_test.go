package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/invoicing"
)

// everyEventType acts as a subscriber's organization would, in live and
// test mode, until every type of the catalogue has happened at least once
// after a catch-all webhook endpoint of the mode existed. It returns the
// tenant.
func (s *system) everyEventType(t *testing.T) tenantKeys {
	t.Helper()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	t.Cleanup(rcv.Close)
	tk := s.newTenant("subscriber@example.com")
	all := map[string]any{"url": rcv.URL, "enabled_events": []string{"*"}}
	s.must(201, "POST", "/v1/webhook_endpoints", tk.live, all)
	s.must(201, "POST", "/v1/webhook_endpoints", tk.test, all)
	org, key := "/v1/organizations/"+tk.orgID, tk.live

	s.must(200, "PATCH", org, tk.userKey, map[string]any{"legal_name": "Subscriber SA"})
	s.must(200, "PUT", org+"/logo", tk.userKey, logoPNG(), "Content-Type", "image/png")
	s.must(200, "POST", org+"/api_access", testAdminKey, map[string]any{"api_disabled": true})
	s.must(200, "POST", org+"/api_access", testAdminKey, map[string]any{"api_disabled": false})
	k := s.must(201, "POST", org+"/api_keys", tk.userKey, map[string]any{"name": "ci", "mode": "live"}).str("id")
	s.must(200, "PATCH", org+"/api_keys/"+k, tk.userKey, map[string]any{"name": "ci-2"})
	s.must(200, "POST", org+"/api_keys/"+k+"/rotate", tk.userKey, map[string]any{})
	s.must(200, "POST", org+"/api_keys/"+k+"/revoke", tk.userKey, nil)

	ep := s.must(201, "POST", "/v1/webhook_endpoints", key, all).str("id")
	s.must(200, "PATCH", "/v1/webhook_endpoints/"+ep, key, map[string]any{"description": "second"})
	s.must(200, "POST", "/v1/webhook_endpoints/"+ep+"/rotate_secret", key, map[string]any{})
	s.must(200, "PATCH", "/v1/webhook_endpoints/"+ep, key, map[string]any{"disabled": true})
	s.must(200, "DELETE", "/v1/webhook_endpoints/"+ep, key, nil)

	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	s.must(200, "PATCH", "/v1/clients/"+cid, key, map[string]any{"email": "ap@acme.example"})
	gone := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	s.must(200, "DELETE", "/v1/clients/"+gone, key, nil)
	pid := s.must(201, "POST", "/v1/products", key, product("100.00", false, iva("0.16"))).str("id")
	s.must(200, "PATCH", "/v1/products/"+pid, key, map[string]any{"price": "120.00"})
	gone = s.must(201, "POST", "/v1/products", key, product("1.00", false)).str("id")
	s.must(200, "DELETE", "/v1/products/"+gone, key, nil)
	ser := s.must(201, "POST", "/v1/series", key, map[string]any{"code": "EV", "next_number": 5}).str("id")
	s.must(200, "PATCH", "/v1/series/"+ser, key, map[string]any{"prefix": "EV-"})

	iid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "EV", item(pid, "2"))).str("id")
	s.must(200, "PATCH", "/v1/invoices/"+iid, key, map[string]any{"notes": "Thanks"})
	s.must(200, "POST", "/v1/invoices/"+iid+"/issue", key, nil)
	s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, map[string]any{"to": "ap@acme.example"})
	s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, map[string]any{"to": bounce})
	s.must(200, "POST", "/v1/invoices/"+iid+"/pay", key, map[string]any{"amount": "10.00"})
	s.must(200, "POST", "/v1/invoices/"+iid+"/pay", key, nil)
	s.must(201, "POST", "/v1/invoices/"+iid+"/corrective", key, map[string]any{"reason": "Returned goods"})
	s.must(200, "POST", "/v1/invoices/"+iid+"/void", key, map[string]any{"reason": "02"})
	draft := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "EV", item(pid, "1"))).str("id")
	s.must(200, "DELETE", "/v1/invoices/"+draft, key, nil)

	rec := s.must(201, "POST", "/v1/recurring_invoices", key, recurringBody(cid, pid, map[string]any{"interval": "yearly", "start_at": "2030-01-01T00:00:00Z"})).str("id")
	s.must(200, "PATCH", "/v1/recurring_invoices/"+rec, key, map[string]any{"count": 3})
	s.must(200, "POST", "/v1/recurring_invoices/"+rec+"/pause", key, nil)
	s.must(200, "POST", "/v1/recurring_invoices/"+rec+"/resume", key, nil)
	s.must(201, "POST", "/v1/recurring_invoices/"+rec+"/generate", key, nil)
	s.must(200, "DELETE", "/v1/recurring_invoices/"+rec, key, nil)

	rid := s.must(201, "POST", "/v1/receipts", key, receiptBody("116.00", "1")).str("id")
	s.must(201, "POST", "/v1/receipts/"+rid+"/invoice", key, map[string]any{"client": cid})
	rid = s.must(201, "POST", "/v1/receipts", key, receiptBody("116.00", "1")).str("id")
	s.must(200, "POST", "/v1/receipts/"+rid+"/send", key, map[string]any{"to": "ap@acme.example"})
	s.must(200, "POST", "/v1/receipts/"+rid+"/send", key, map[string]any{"to": bounce})
	s.must(200, "POST", "/v1/receipts/"+rid+"/cancel", key, nil)
	tid := s.must(201, "POST", "/v1/retentions", key, map[string]any{"client": cid,
		"period":   map[string]any{"from_month": 1, "to_month": 1, "year": 2025},
		"concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}},
	}).str("id")
	s.must(200, "POST", "/v1/retentions/"+tid+"/issue", key, nil)
	s.must(200, "POST", "/v1/retentions/"+tid+"/send", key, nil)
	s.must(200, "POST", "/v1/retentions/"+tid+"/send", key, map[string]any{"to": []string{bounce}})
	s.must(200, "POST", "/v1/retentions/"+tid+"/cancel", key, nil)

	s.quotesAndProformas(key, cid, pid)
	// Test mode: sending is skipped.
	tcid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	tiid := s.must(201, "POST", "/v1/invoices", tk.test, invoiceBody(tcid, "", item(product("5.00", false), "1"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+tiid+"/issue", tk.test, nil)
	s.must(200, "POST", "/v1/invoices/"+tiid+"/send", tk.test, nil)
	trid := s.must(201, "POST", "/v1/receipts", tk.test, receiptBody("116.00", "1")).str("id")
	s.must(200, "POST", "/v1/receipts/"+trid+"/send", tk.test, map[string]any{"to": "ap@acme.example"})
	ttid := s.must(201, "POST", "/v1/retentions", tk.test, map[string]any{"client": tcid,
		"period":   map[string]any{"from_month": 1, "to_month": 1, "year": 2025},
		"concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}},
	}).str("id")
	s.must(200, "POST", "/v1/retentions/"+ttid+"/issue", tk.test, nil)
	s.must(200, "POST", "/v1/retentions/"+ttid+"/send", tk.test, nil)
	tq := s.must(201, "POST", "/v1/quotes", tk.test, quoteBody(tcid, item(product("5.00", false), "1"))).str("id")
	s.must(200, "POST", "/v1/quotes/"+tq+"/send", tk.test, nil)
	tpf := s.must(201, "POST", "/v1/proformas", tk.test, quoteBody(tcid, item(product("5.00", false), "1"))).str("id")
	s.must(200, "POST", "/v1/proformas/"+tpf+"/issue", tk.test, nil)
	s.must(200, "POST", "/v1/proformas/"+tpf+"/send", tk.test, nil)
	return tk
}

// sampleEvent is one real event of each type: its row, and its stored
// webhook body if it was fanned out.
type sampleEvent struct {
	event events.Event
	body  []byte // nil: never delivered (it happened before any endpoint)
}

// samples waits until every event of tk's organization (and user) is
// fanned out, then picks the last event of each type.
func (s *system) samples(t *testing.T, tk tenantKeys) map[string]sampleEvent {
	t.Helper()
	ctx := context.Background()
	q := `SELECT e.id, (SELECT d.body FROM webhook_deliveries d WHERE d.event_id = e.id LIMIT 1)
		FROM events e WHERE e.org_id = $1 OR e.stream_id = $2 ORDER BY e.position`
	out := map[string]sampleEvent{}
	eventually(t, "every event fanned out", func() bool {
		rows, err := s.svc.DB.Pool.Query(ctx, q, tk.orgID, tk.userID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		clear(out)
		for rows.Next() {
			var evID string
			var body []byte
			if err := rows.Scan(&evID, &body); err != nil {
				t.Fatal(err)
			}
			e, err := s.svc.Store.EventByID(ctx, tenantOf(evID, s), evID)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Type] = sampleEvent{event: e, body: body}
		}
		for _, kind := range invoicing.MailedKinds { // the mailer's outcomes come last
			if out[kind+".email_delivered"].body == nil || out[kind+".email_failed"].body == nil {
				return false
			}
		}
		return out[events.ClientCreated].body != nil && out["invoice.send_skipped"].body != nil &&
			out["retention.send_skipped"].body != nil && out["receipt.send_skipped"].body != nil &&
			out["retention.canceled"].body != nil && out["invoice.deleted"].body != nil &&
			out["quote.expired"].body != nil && out["quote.send_skipped"].body != nil && out["proforma.send_skipped"].body != nil
	})
	return out
}

// tenantOf is the tenant an event of tk is stored under.
func tenantOf(evID string, s *system) (t facturo.Tenant) {
	_ = s.svc.DB.Pool.QueryRow(context.Background(), `SELECT org_id, livemode FROM events WHERE id = $1`, evID).Scan(&t.OrgID, &t.Livemode)
	return t
}

// Every type of the catalogue, from a real event: data.object is the
// object (its id is resource) and matches the schema GET /v1/event_types
// gives the type, which is the OpenAPI document's component of that
// object; the events API and the webhook body are the same bytes.
func TestEveryEventCarriesItsObject(t *testing.T) {
	s := startSecuritySystem(t)
	tk := s.everyEventType(t)
	got := s.samples(t, tk)
	types := s.must(200, "GET", "/v1/event_types", tk.live, nil).list()
	render := app.RenderEvent(s.svc.Store)
	bodies := map[string][]byte{}
	for _, et := range types {
		name := et["name"].(string)
		sample, ok := got[name]
		if !ok {
			t.Errorf("%s: no event of the type happened", name)
			continue
		}
		e := sample.event
		rendered, err := render(context.Background(), e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkObject(t, name, rendered, et)
		bodies[name] = rendered
		if e.OrgID != tk.orgID { // the user's own events: no tenant reads them
			continue
		}
		key := tk.test
		if e.Livemode {
			key = tk.live
		}
		api := s.must(200, "GET", "/v1/events/"+e.ID, key, nil).Raw
		if !bytes.Equal(bytes.TrimSuffix(api, []byte("\n")), rendered) {
			t.Errorf("%s: GET /v1/events/{id} is not the rendered body:\n api %s\nbody %s", name, api, rendered)
		}
		if sample.body != nil && !bytes.Equal(sample.body, rendered) {
			t.Errorf("%s: webhook body differs from GET /v1/events/{id}:\nhook %s\n api %s", name, sample.body, rendered)
		}
		if sample.body == nil && name != events.OrganizationCreated {
			t.Errorf("%s: never delivered", name)
		}
		listed := listedEvent(t, s, key, name, e.ID)
		if !bytes.Equal(listed, rendered) {
			t.Errorf("%s: GET /v1/events lists\n %s\nnot\n %s", name, listed, rendered)
		}
	}
	checkDocExamples(t, bodies)
}

// checkObject checks one rendered event against its catalogue entry.
func checkObject(t *testing.T, name string, body []byte, entry map[string]any) {
	t.Helper()
	var ev struct {
		Resource string `json:"resource"`
		Data     struct {
			Object   map[string]any  `json:"object"`
			Previous *map[string]any `json:"previous_attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if ev.Data.Object["id"] != ev.Resource || ev.Resource == "" {
		t.Errorf("%s: data.object.id %v, resource %q", name, ev.Data.Object["id"], ev.Resource)
	}
	if want := events.ObjectName(name); entry["object"] != want {
		t.Errorf("%s: catalogue object %v, want %s", name, entry["object"], want)
	}
	deletion := strings.HasSuffix(name, ".deleted")
	if deletion != (ev.Data.Object["deleted"] == true) {
		t.Errorf("%s: deleted = %v", name, ev.Data.Object["deleted"])
	}
	if strings.HasSuffix(name, ".updated") && (ev.Data.Previous == nil || len(*ev.Data.Previous) == 0) {
		t.Errorf("%s: no previous_attributes", name)
	}
	if (strings.HasSuffix(name, ".created") || deletion) && ev.Data.Previous != nil {
		t.Errorf("%s: previous_attributes %v on a creation or deletion", name, *ev.Data.Previous)
	}
	schema, err := catalogueSchema(entry["schema"])
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	opts := []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()}
	if err := schema.VisitJSON(ev.Data.Object, opts...); err != nil {
		t.Errorf("%s: data.object does not match its schema: %v\n%s", name, err, body)
	}
}

// catalogueSchema loads a schema of GET /v1/event_types ($ref into its
// $defs) with kin-openapi, as the components of a document.
func catalogueSchema(v any) (*openapi3.Schema, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var s struct {
		Ref  string          `json:"$ref"`
		Defs json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	defs := strings.ReplaceAll(string(s.Defs), `"#/$defs/`, `"#/components/schemas/`)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":` + defs + `}}`))
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/$defs/")]
	if ref == nil {
		return nil, fmt.Errorf("$ref %q not in $defs", s.Ref)
	}
	return ref.Value, nil
}

// listedEvent is the raw JSON of one event in GET /v1/events?type=.
func listedEvent(t *testing.T, s *system, key, typ, evID string) []byte {
	t.Helper()
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(s.must(200, "GET", "/v1/events?limit=100&type="+typ, key, nil).Raw, &page); err != nil {
		t.Fatal(err)
	}
	for _, raw := range page.Data {
		if bytes.Contains(raw, []byte(`"id":"`+evID+`"`)) {
			return raw
		}
	}
	return nil
}

// webhookDoc is the guide whose examples checkDocExamples keeps true.
const webhookDoc = "../../docs/webhooks.md"

// docExample marks an example body in the guide: the line before its
// ```json block names the event type it shows.
var docExample = regexp.MustCompile("(?m)^<!-- example: ([a-z_.]+) -->\n```json\n((?s:.*?))```\n")

// checkDocExamples compares each example body of docs/webhooks.md with a
// real event of its type, field by field (names and JSON types, nested):
// the examples cannot drift from what is delivered. With
// FACTURO_UPDATE_DOCS=1 it rewrites them from the real events instead.
func checkDocExamples(t *testing.T, bodies map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile(webhookDoc)
	if err != nil {
		t.Fatal(err)
	}
	found := docExample.FindAllSubmatch(raw, -1)
	if len(found) == 0 {
		t.Fatalf("%s has no example bodies", webhookDoc)
	}
	if os.Getenv("FACTURO_UPDATE_DOCS") == "1" {
		raw = docExample.ReplaceAllFunc(raw, func(m []byte) []byte {
			typ := string(docExample.FindSubmatch(m)[1])
			var out bytes.Buffer
			if err := json.Indent(&out, bodies[typ], "", "  "); err != nil {
				t.Fatalf("example %s: %v", typ, err)
			}
			return []byte("<!-- example: " + typ + " -->\n```json\n" + out.String() + "\n```\n")
		})
		if err := os.WriteFile(webhookDoc, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, m := range found {
		typ := string(m[1])
		var doc, real any
		if err := json.Unmarshal(m[2], &doc); err != nil {
			t.Errorf("example %s is not JSON: %v", typ, err)
			continue
		}
		if err := json.Unmarshal(bodies[typ], &real); err != nil {
			t.Errorf("example %s: no real event of the type (%v)", typ, err)
			continue
		}
		if d, r := shape("", doc), shape("", real); !slices.Equal(d, r) {
			t.Errorf("example %s drifted from a real body (FACTURO_UPDATE_DOCS=1 rewrites it):\n doc %v\nreal %v", typ, d, r)
		}
	}
}

// shape lists the paths of v with their JSON types, sorted.
func shape(path string, v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		out = append(out, path+":object")
		for k, e := range x {
			out = append(out, shape(path+"."+k, e)...)
		}
	case []any:
		out = append(out, path+":array")
		if len(x) > 0 {
			out = append(out, shape(path+"[]", x[0])...)
		}
	default:
		out = append(out, fmt.Sprintf("%s:%T", path, v))
	}
	slices.Sort(out)
	return out
}

// quotesAndProformas makes every tax rate, quote and proforma event
// happen; the expired quote's event comes from the worker a second later.
func (s *system) quotesAndProformas(key, cid, pid string) {
	txr := s.must(201, "POST", "/v1/tax_rates", key, map[string]any{"name": "IEPS", "type": "IEPS", "rate": "0.08"}).str("id")
	s.must(200, "PATCH", "/v1/tax_rates/"+txr, key, map[string]any{"rate": "0.26"})
	s.must(200, "DELETE", "/v1/tax_rates/"+txr, key, nil)
	newQuote := func(extra map[string]any) string {
		body := quoteBody(cid, item(pid, "1"))
		for k, v := range extra {
			body[k] = v
		}
		return s.must(201, "POST", "/v1/quotes", key, body).str("id")
	}
	q := newQuote(nil)
	s.must(200, "PATCH", "/v1/quotes/"+q, key, map[string]any{"notes": "Valid 30 days"})
	link := s.must(200, "POST", "/v1/quotes/"+q+"/send", key, nil).str("public_url")
	s.must(200, "POST", link+"/accept", "", nil)
	s.must(201, "POST", "/v1/quotes/"+q+"/convert", key, map[string]any{"payment_form": "03"})
	q = newQuote(nil)
	s.must(200, "POST", "/v1/quotes/"+q+"/send", key, nil)
	s.must(200, "POST", "/v1/quotes/"+q+"/reject", key, map[string]any{"reason": "Too expensive"})
	s.must(200, "DELETE", "/v1/quotes/"+newQuote(nil), key, nil)
	s.must(200, "POST", "/v1/quotes/"+q+"/send", key, map[string]any{"to": bounce})
	q = newQuote(map[string]any{"expires_at": time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)})
	s.must(200, "POST", "/v1/quotes/"+q+"/send", key, nil)

	newProforma := func() string {
		return s.must(201, "POST", "/v1/proformas", key, quoteBody(cid, item(pid, "1"))).str("id")
	}
	pf := newProforma()
	s.must(200, "PATCH", "/v1/proformas/"+pf, key, map[string]any{"notes": "Pay in advance"})
	s.must(200, "POST", "/v1/proformas/"+pf+"/issue", key, nil)
	s.must(201, "POST", "/v1/proformas/"+pf+"/convert", key, map[string]any{"payment_form": "03"})
	pf = newProforma()
	s.must(200, "POST", "/v1/proformas/"+pf+"/issue", key, nil)
	s.must(200, "POST", "/v1/proformas/"+pf+"/send", key, nil)
	s.must(200, "POST", "/v1/proformas/"+pf+"/send", key, map[string]any{"to": bounce})
	s.must(200, "POST", "/v1/proformas/"+pf+"/cancel", key, nil)
	s.must(200, "DELETE", "/v1/proformas/"+newProforma(), key, nil)
}
