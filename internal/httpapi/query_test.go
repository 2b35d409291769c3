package httpapi

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Every route refuses, before authentication and before its handler, a
// query parameter its operation does not declare, one sent twice, and a
// value outside the declared domain of an enum, integer or time
// parameter: 400 naming the parameter, as an unknown body field is. This
// server has no authenticator and an unconnected pool, so a request that
// got past the check would panic into a 500. internal/e2e's
// TestQueryParametersMatchTheDocument sends the values the document
// allows to the real system.
func TestQueryParametersAreChecked(t *testing.T) {
	s := unconnectedServer()
	h := s.Handler()
	send := func(method, target string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		var body struct{ Error struct{ Code, Param string } }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body.Error.Code + " " + body.Error.Param
	}
	expect := func(rt Route, query, param string) {
		t.Helper()
		path := strings.NewReplacer("{id}", "x_1", "{org}", "org_1", "{delivery}", "del_1").Replace(rt.Path)
		if status, got := send(rt.Method, path+"?"+query); status != 400 || got != "parameter_invalid "+param {
			t.Errorf("%s %s?%s: %d %s, want 400 parameter_invalid %s", rt.Method, rt.Path, query, status, got, param)
		}
	}
	enums := 0
	for _, rt := range s.Routes() {
		expect(rt, "statsu=paid", "statsu")
		expect(rt, "Limit=10", "Limit")
		for _, q := range operations[rt.Method+" "+rt.Path].queryParams() {
			name := url.QueryEscape(q.name)
			switch {
			case q.enum != nil:
				enums++
				expect(rt, name+"=bogus", q.name)
				expect(rt, name+"="+strings.ToUpper(q.enum[0]), q.name)
			case q.kind == qInt:
				expect(rt, name+"=0", q.name)
				expect(rt, name+"=101", q.name)
				expect(rt, name+"=ten", q.name)
			case q.kind == qTime:
				expect(rt, name+"=yesterday", q.name)
				expect(rt, name+"=1969-12-31T23:59:59Z", q.name)
			}
			expect(rt, name+"=a&"+name+"=b", q.name)
		}
	}
	if enums < 4 {
		t.Errorf("only %d enum query parameters: the status filters are declared as enums", enums)
	}
}

// The document's parameters are the declarations the check reads: types,
// bounds, formats and enums.
func TestQueryParametersAreTyped(t *testing.T) {
	doc := unconnectedServer().OpenAPI()
	limit := doc.Components.Parameters["limit"].Value.Schema.Value
	if !limit.Type.Is("integer") || *limit.Min != 1 || *limit.Max != 100 || limit.Default != 10 {
		t.Errorf("limit: %+v", limit)
	}
	param := func(path, method, name string) *openapiParam {
		for _, p := range doc.Paths.Find(path).GetOperation(method).Parameters {
			if p.Value != nil && p.Value.Name == name {
				s := p.Value.Schema.Value
				return &openapiParam{typ: strings.Join(s.Type.Slice(), ","), format: s.Format, enum: len(s.Enum)}
			}
		}
		t.Fatalf("%s %s has no parameter %s", method, path, name)
		return nil
	}
	for _, c := range []struct {
		path, name string
		want       openapiParam
	}{
		{"/v1/invoices", "status", openapiParam{typ: "string", enum: 4}},
		{"/v1/receipts", "status", openapiParam{typ: "string", enum: 4}},
		{"/v1/retentions", "status", openapiParam{typ: "string", enum: 3}},
		{"/v1/webhook_endpoints/{id}/deliveries", "status", openapiParam{typ: "string", enum: 4}},
		{"/v1/invoices", "created[gte]", openapiParam{typ: "string", format: "date-time"}},
		{"/v1/invoices", "created[lte]", openapiParam{typ: "string", format: "date-time"}},
		{"/v1/invoices/{id}", "as_of", openapiParam{typ: "string", format: "date-time"}},
		{"/v1/organizations/{org}/api_keys/{id}/activity", "limit", openapiParam{typ: "integer"}},
	} {
		if got := param(c.path, "GET", c.name); *got != c.want {
			t.Errorf("GET %s ?%s: %+v, want %+v", c.path, c.name, *got, c.want)
		}
	}
}

type openapiParam struct {
	typ, format string
	enum        int
}
