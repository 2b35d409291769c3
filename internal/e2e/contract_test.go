package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo/internal/httpapi"
)

// TestRequestBodiesMatchTheDocument (OWASP API3, API8) proves the document
// and the API agree on request bodies, from the document's side, on the
// real system. For every operation whose body has properties, the
// example of the document (ids replaced with real ones) succeeds; then
// each property, at any depth, is left out in turn: if the document's
// schema no longer accepts the body (a required field), the API answers
// 400 parameter_missing naming it, and if the schema still accepts it,
// the API never answers parameter_missing for it. Every enum, bound,
// pattern and format of the schema is sampled the same way: a value the
// schema refuses is refused with 400 naming the field, a value it
// accepts is never refused for that field.
func TestRequestBodiesMatchTheDocument(t *testing.T) {
	// kin-openapi knows email and uri but checks neither: this test's
	// view of the document must.
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
	openapi3.DefineStringFormatValidator("uri", openapi3.NewRegexpFormatValidator(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]`))
	s := startSecuritySystem(t)
	f := newContractFixture(t, s)
	doc := loadSpec(t, s.base).doc
	var ops, calls int
	for _, rt := range routesOf(s) {
		media := jsonBody(doc.Paths.Find(rt.Path).GetOperation(rt.Method))
		if media == nil || len(media.Schema.Value.Properties) == 0 { // none, or an upload's bytes
			continue
		}
		ops++
		c := contractCase{t: t, f: f, rt: rt, schema: media.Schema.Value}
		example := f.example(rt, media.Example)
		if r := c.send(example); r.Status >= 300 {
			t.Errorf("%s %s: the document's example answers %d: %s", rt.Method, rt.Path, r.Status, r.Raw)
		}
		for _, p := range propertyPaths(example, "") {
			c.expectRemoval(without(example, p), p)
		}
		for _, smp := range samples(media.Schema, example, "") {
			c.expectSample(smp)
		}
		calls += c.calls
	}
	t.Logf("%d operations, %d requests", ops, calls)
	if ops < 25 {
		t.Errorf("only %d operations with a body example", ops)
	}
}

// contractFixture makes what the examples need: a tenant with one object
// of every kind, and fresh objects for the operations that change the
// state of theirs.
type contractFixture struct {
	t    *testing.T
	s    *system
	tk   tenantKeys
	objs tenantObjects
	hook string // a webhook receiver
	n    int
}

func newContractFixture(t *testing.T, s *system) *contractFixture {
	tk := s.newTenant("contract@example.com")
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	t.Cleanup(rcv.Close)
	return &contractFixture{t: t, s: s, tk: tk, objs: s.seedObjects(tk), hook: rcv.URL}
}

// example is the document's example for rt with real ids and the values
// that must be fresh or reachable in this system.
func (f *contractFixture) example(rt httpapi.Route, ex any) map[string]any {
	raw, err := json.Marshal(ex)
	if err != nil {
		f.t.Fatal(err)
	}
	kinds := map[string]string{"cli": "clients", "prd": "products", "inv": "invoices", "rct": "receipts", "txr": "tax_rates"}
	s := string(raw)
	for _, m := range regexp.MustCompile(`"([a-z]+)_01J9ZQ7V3K8M2N4P6R8S0T1W3X"`).FindAllStringSubmatch(s, -1) {
		s = strings.ReplaceAll(s, m[0], `"`+f.objs[kinds[m[1]]]+`"`)
	}
	body := map[string]any{}
	if err := json.Unmarshal([]byte(s), &body); err != nil || ex == nil {
		f.t.Errorf("%s %s: no valid example in the document (%v)", rt.Method, rt.Path, err)
		body = map[string]any{}
	}
	switch rt.Method + " " + rt.Path {
	case "POST /v1/webhook_endpoints":
		body["url"] = f.hook
	case "POST /v1/receipts/global_invoice":
		body["from"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		body["to"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	}
	return body
}

// target is the path and key of one call of rt: fresh objects for the
// operations that change their state or their caller's key.
func (f *contractFixture) target(rt httpapi.Route, body map[string]any) (path, key string) {
	s, tk := f.s, f.tk
	keys := map[httpapi.Auth]string{httpapi.AuthOperator: testAdminKey, httpapi.AuthUser: tk.userKey, httpapi.AuthOrg: tk.live, httpapi.AuthKey: tk.live}
	objs := tenantObjects{}
	for k, v := range f.objs {
		objs[k] = v
	}
	f.n++
	switch name := rt.Method + " " + rt.Path; {
	case name == "POST /v1/users" && body["email"] == "ana@example.com":
		body["email"] = fmt.Sprintf("contract-%d@example.com", f.n)
	case strings.HasPrefix(name, "POST /v1/users/{id}/secret_key"), strings.HasPrefix(name, "POST /v1/user/secret_key"):
		u := s.must(201, "POST", "/v1/users", testAdminKey, map[string]any{"email": fmt.Sprintf("contract-u%d@example.com", f.n), "name": "U"})
		objs["users"], keys[httpapi.AuthUser] = u.str("id"), u.str("secret_key")
	case strings.HasPrefix(rt.Path, "/v1/organizations/{org}/api_keys/{id}"):
		objs["api_keys"] = s.must(201, "POST", "/v1/organizations/"+tk.orgID+"/api_keys", tk.userKey, map[string]any{"mode": "test"}).str("id")
	case strings.HasPrefix(rt.Path, "/v1/invoices/{id}"):
		inv := s.must(201, "POST", "/v1/invoices", tk.live, invoiceBody(f.objs["clients"], "", item(f.objs["products"], "2"))).str("id")
		if rt.Method == http.MethodPost {
			s.must(200, "POST", "/v1/invoices/"+inv+"/issue", tk.live, nil)
		}
		objs["invoices"] = inv
	case name == "POST /v1/retentions/{id}/send": // only an issued retention is sent
		ret := s.must(201, "POST", "/v1/retentions", tk.live, map[string]any{"client": f.objs["clients"],
			"period":   map[string]any{"from_month": 1, "to_month": 1, "year": 2025},
			"concepts": []any{map[string]any{"description": "Fees", "amount": "10.00", "taxes": []any{map[string]any{"type": "ISR", "rate": "0.10"}}}},
		}).str("id")
		s.must(200, "POST", "/v1/retentions/"+ret+"/issue", tk.live, nil)
		objs["retentions"] = ret
	case strings.HasPrefix(rt.Path, "/v1/quotes/{id}/"), strings.HasPrefix(rt.Path, "/public/quotes/"):
		objs["quotes"] = f.quoteIn(rt)
	case strings.HasPrefix(rt.Path, "/v1/proformas/{id}/"):
		objs["proformas"] = f.proformaIn(rt)
	case strings.HasPrefix(rt.Path, "/v1/receipts/"):
		objs["receipts"] = s.must(201, "POST", "/v1/receipts", tk.live, receiptBody("10.00", "1")).str("id")
	case strings.HasPrefix(rt.Path, "/v1/recurring_invoices/"): // resume needs a paused one
		rec := s.must(201, "POST", "/v1/recurring_invoices", tk.live, recurringBody(f.objs["clients"], f.objs["products"], map[string]any{"interval": "weekly"})).str("id")
		if name == "POST /v1/recurring_invoices/{id}/resume" {
			s.must(200, "POST", "/v1/recurring_invoices/"+rec+"/pause", tk.live, nil)
		}
		objs["recurring_invoices"] = rec
	}
	path, missing := fill(rt.Path, objs)
	if missing != "" {
		f.t.Fatalf("%s %s: no object for %s", rt.Method, rt.Path, missing)
	}
	return path, keys[rt.Auth]
}

type contractCase struct {
	t      *testing.T
	f      *contractFixture
	rt     httpapi.Route
	schema *openapi3.Schema
	calls  int
}

func (c *contractCase) send(body map[string]any) response {
	c.calls++
	path, key := c.f.target(c.rt, body)
	return c.f.s.call(c.rt.Method, path, key, body)
}

func (c *contractCase) valid(body any) bool {
	return c.schema.VisitJSON(body, openapi3.EnableJSONSchema2020()) == nil
}

// expectRemoval checks the answer to the example without the property at
// param.
func (c *contractCase) expectRemoval(body map[string]any, param string) {
	c.t.Helper()
	required := !c.valid(body)
	r := c.send(body)
	missing := r.Status == 400 && r.str("error", "code") == "parameter_missing" && r.str("error", "param") == param
	switch {
	case required && !missing:
		c.t.Errorf("%s %s without %s: the document requires it, the API answers %d %s", c.rt.Method, c.rt.Path, param, r.Status, r.Raw)
	case !required && missing:
		c.t.Errorf("%s %s without %s: the document does not require it, the API answers %s", c.rt.Method, c.rt.Path, param, r.Raw)
	}
}

// expectSample checks the answer to the example with one value changed.
func (c *contractCase) expectSample(smp sample) {
	c.t.Helper()
	accepted := c.valid(smp.body)
	if accepted != smp.inside {
		c.t.Errorf("%s %s: %s = %v should be %s the document's domain (the test's sample is wrong)",
			c.rt.Method, c.rt.Path, smp.param, smp.value, map[bool]string{true: "inside", false: "outside"}[smp.inside])
		return
	}
	r := c.send(smp.body)
	refused := r.Status == 400 && r.str("error", "param") == smp.param
	if accepted && otherCountrys(smp) {
		// The document lists the values of every country; the fixture's
		// organization is MX, whose rules refuse Spain's, on the field.
		accepted = false
	}
	switch {
	case !accepted && !refused:
		c.t.Errorf("%s %s with %s = %#v: outside the document's domain, but answered %d %s", c.rt.Method, c.rt.Path, smp.param, smp.value, r.Status, r.Raw)
	case accepted && refused:
		c.t.Errorf("%s %s with %s = %#v: inside the document's domain, but refused: %s", c.rt.Method, c.rt.Path, smp.param, smp.value, r.Raw)
	}
}

// spanishOnly are the enum values of the document that only an ES
// organization's rules accept, by the last element of the field's path
// (docs/spain.md): the tax types of Spain.
var spanishOnly = map[string][]string{"type": {"RE", "IRPF"}}

// otherCountrys reports whether a sample is a value that only another
// country's organization may send.
func otherCountrys(smp sample) bool {
	name := smp.param[strings.LastIndex(smp.param, ".")+1:]
	v, ok := smp.value.(string)
	return ok && slices.Contains(spanishOnly[name], v)
}

// propertyPaths lists the JSON paths of every property of v, at any
// depth (the first element of arrays).
func propertyPaths(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(mapKeys(v)) {
			p := join(path, k)
			out = append(append(out, p), propertyPaths(v[k], p)...)
		}
	case []any:
		if len(v) > 0 {
			out = append(out, propertyPaths(v[0], path+"[0]")...)
		}
	}
	return out
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// with returns a deep copy of body with fn applied to the value at path
// (set returns its new value; remove deletes it).
func with(body map[string]any, path string, set func(old any) (v any, remove bool)) map[string]any {
	raw, _ := json.Marshal(body)
	var cp map[string]any
	_ = json.Unmarshal(raw, &cp)
	var parent any = cp
	steps := regexp.MustCompile(`[^.\[\]]+|\[0\]`).FindAllString(path, -1)
	for i, step := range steps {
		last := i == len(steps)-1
		switch p := parent.(type) {
		case map[string]any:
			if last {
				if v, remove := set(p[step]); remove {
					delete(p, step)
				} else {
					p[step] = v
				}
				return cp
			}
			parent = p[step]
		case []any:
			if last {
				p[0], _ = set(p[0])
				return cp
			}
			parent = p[0]
		}
	}
	return cp
}

func without(body map[string]any, path string) map[string]any {
	return with(body, path, func(any) (any, bool) { return nil, true })
}

// sample is the example with the value at param replaced.
type sample struct {
	param  string
	value  any
	inside bool // the document accepts it
	body   map[string]any
}

// samples are values inside and outside the domain the schema declares
// for every leaf of the example: enums, integer bounds, patterns, lengths
// and formats.
func samples(root *openapi3.SchemaRef, example map[string]any, _ string) []sample {
	var out []sample
	var walk func(s *openapi3.SchemaRef, v any, path string)
	walk = func(s *openapi3.SchemaRef, v any, path string) {
		sch := pick(s, v)
		if sch == nil {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for k, pv := range v {
				walk(sch.Properties[k], pv, join(path, k))
			}
			return
		case []any:
			if len(v) > 0 && sch.Items != nil {
				walk(sch.Items, v[0], path+"[0]")
			}
			return
		}
		for _, c := range leafSamples(sch) {
			out = append(out, sample{param: path, value: c.value, inside: c.inside,
				body: with(example, path, func(any) (any, bool) { return c.value, false })})
		}
	}
	walk(root, example, "")
	return out
}

// pick resolves the alternative of s that describes v (a nullable field
// is "anyOf" its schema and null; a product is an id or an object).
func pick(s *openapi3.SchemaRef, v any) *openapi3.Schema {
	if s == nil || s.Value == nil {
		return nil
	}
	if len(s.Value.AnyOf) == 0 {
		return s.Value
	}
	want := "object"
	switch v.(type) {
	case []any:
		want = "array"
	case string:
		want = "string"
	}
	for _, alt := range s.Value.AnyOf {
		if alt.Value != nil && alt.Value.Type.Includes(want) {
			return pick(alt, v)
		}
	}
	return nil
}

type leafValue struct {
	value  any
	inside bool
}

func leafSamples(s *openapi3.Schema) []leafValue {
	var out []leafValue
	for _, e := range s.Enum {
		if e != nil {
			out = append(out, leafValue{e, true})
		}
	}
	if s.Enum != nil {
		out = append(out, leafValue{"bogus", false})
	}
	if s.Type.Includes("integer") {
		if s.Min != nil {
			out = append(out, leafValue{*s.Min, true}, leafValue{*s.Min - 1, false})
		}
		if s.Max != nil {
			out = append(out, leafValue{*s.Max, true}, leafValue{*s.Max + 1, false})
		}
	}
	if s.Type.Includes("string") && s.Enum == nil {
		if s.Pattern != "" {
			for _, v := range []string{"!-1", " "} {
				if !regexp.MustCompile(s.Pattern).MatchString(v) {
					out = append(out, leafValue{v, false})
					break
				}
			}
		}
		if s.MaxLength != nil {
			out = append(out, leafValue{strings.Repeat("x", int(*s.MaxLength)+1), false})
		}
		switch s.Format {
		case "email", "date-time":
			out = append(out, leafValue{"not-a-" + s.Format, false})
		case "uri":
			out = append(out, leafValue{"relative/path", false})
		}
	}
	return out
}

// TestQueryParametersMatchTheDocument walks every GET route on the real
// system: a parameter the operation does not declare is refused with 400
// naming it, and so is a value outside a declared enum, integer range or
// time format; every value inside them is not refused for that parameter.
func TestQueryParametersMatchTheDocument(t *testing.T) {
	s := startSecuritySystem(t)
	tk := s.newTenant("query@example.com")
	objs := s.seedObjects(tk)
	doc := loadSpec(t, s.base).doc
	keys := map[httpapi.Auth]string{httpapi.AuthOperator: testAdminKey, httpapi.AuthUser: tk.userKey, httpapi.AuthOrg: tk.live, httpapi.AuthKey: tk.live}
	refusedFor := func(rt httpapi.Route, path, query string) string {
		r := s.call("GET", path+"?"+query, keys[rt.Auth], nil)
		if r.Status == 400 {
			return r.str("error", "param")
		}
		return ""
	}
	checked := 0
	for _, rt := range routesOf(s) {
		if rt.Method != http.MethodGet {
			continue
		}
		path, _ := fill(rt.Path, objs)
		if got := refusedFor(rt, path, "statsu=paid"); got != "statsu" {
			t.Errorf("GET %s?statsu=paid: refused for %q, want 400 statsu", rt.Path, got)
		}
		for _, p := range doc.Paths.Find(rt.Path).Get.Parameters {
			if p.Value.In != openapi3.ParameterInQuery {
				continue
			}
			values := leafSamples(p.Value.Schema.Value)
			if p.Value.Schema.Value.Format == "date-time" {
				values = append(values, leafValue{"2025-01-01T00:00:00Z", true}, leafValue{"2025-01-01T00:00:00+06:00", true})
			}
			for _, c := range values {
				q := url.QueryEscape(p.Value.Name) + "=" + url.QueryEscape(strings.TrimSuffix(fmt.Sprint(c.value), ".0"))
				checked++
				if got := refusedFor(rt, path, q); (got == p.Value.Name) == c.inside {
					t.Errorf("GET %s?%s: refused for %q; the value is inside the document's domain: %v", rt.Path, q, got, c.inside)
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d typed query values checked", checked)
	}
}

// quoteIn makes a quote in the state rt acts on and returns what its path
// takes: a draft to send, a sent quote to answer, an accepted one to
// convert, or a sent quote's link token for the public routes.
func (f *contractFixture) quoteIn(rt httpapi.Route) string {
	s, key := f.s, f.tk.live
	q := s.must(201, "POST", "/v1/quotes", key, quoteBody(f.objs["clients"], item(f.objs["products"], "1"))).str("id")
	if strings.HasSuffix(rt.Path, "/send") {
		return q
	}
	link := s.must(200, "POST", "/v1/quotes/"+q+"/send", key, nil).str("public_url")
	if strings.HasPrefix(rt.Path, "/public/") {
		return strings.TrimPrefix(link, "/public/quotes/")
	}
	if strings.HasSuffix(rt.Path, "/convert") {
		s.must(200, "POST", "/v1/quotes/"+q+"/accept", key, nil)
	}
	return q
}

// proformaIn makes a proforma in the state rt acts on: a draft to issue,
// an issued one to cancel or convert.
func (f *contractFixture) proformaIn(rt httpapi.Route) string {
	s, key := f.s, f.tk.live
	pf := s.must(201, "POST", "/v1/proformas", key, quoteBody(f.objs["clients"], item(f.objs["products"], "1"))).str("id")
	if !strings.HasSuffix(rt.Path, "/issue") {
		s.must(200, "POST", "/v1/proformas/"+pf+"/issue", key, nil)
	}
	return pf
}
