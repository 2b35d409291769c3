package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo/internal/httpapi"
)

// badText is text PostgreSQL cannot store, as a URL escape and as the
// bytes of a JSON string.
var badText = []struct{ name, escaped, json string }{
	{"NUL", "%00", `"a\u0000b"`},
	{"invalid UTF-8", "%FF", "\"caf\xe9\""},
}

// TestSecurityTextInputs (OWASP API8: no malformed input reaches a 500)
// walks every route and puts NUL and invalid UTF-8 into each path
// variable, each query parameter and each string of the request body that
// the OpenAPI document describes, and into Idempotency-Key: a path id
// answers 404, anything else 400 naming the parameter by its JSON path,
// never a 5xx, and nothing is written.
func TestSecurityTextInputs(t *testing.T) {
	s := startSecuritySystem(t)
	a := s.newTenant("text@example.com")
	objs := s.seedObjects(a)
	doc := loadSpec(t, s.base).doc
	keys := map[httpapi.Auth]string{httpapi.AuthOperator: testAdminKey, httpapi.AuthUser: a.userKey, httpapi.AuthOrg: a.live}
	before := s.writes()
	var sent int
	for _, rt := range routesOf(s) {
		path, missing := fill(rt.Path, objs)
		if missing != "" {
			t.Errorf("%s %s: no substitution rule for %s", rt.Method, rt.Path, missing)
			continue
		}
		op := doc.Paths.Find(rt.Path).GetOperation(rt.Method)
		for _, bad := range badText {
			tc := textCase{s: s, t: t, rt: rt, key: keys[rt.Auth], bad: bad.name, sent: &sent}
			for _, v := range pathVars(rt.Path) {
				p, _ := fill(strings.Replace(rt.Path, v, bad.escaped, 1), objs)
				tc.expect(404, "id", rt.Method, p, requestBody(rt))
			}
			for _, p := range op.Parameters {
				if p.Value.In == openapi3.ParameterInQuery {
					tc.expect(400, p.Value.Name, rt.Method, path+"?"+url.QueryEscape(p.Value.Name)+"="+bad.escaped, requestBody(rt))
				}
			}
			// A JSON body's text fields (an upload's bytes are not text).
			if media := jsonBody(op); media != nil {
				for _, leaf := range textLeaves(media.Schema, "", 0) {
					tc.expect(400, leaf, rt.Method, path, bodyWith(leaf, bad.json))
				}
			}
			if rt.Method == http.MethodPost && rt.Auth != httpapi.AuthNone && bad.name != "NUL" { // Go's client sends no NUL in a header
				tc.expect(400, "Idempotency-Key", rt.Method, path, requestBody(rt), "Idempotency-Key", "caf\xe9")
			}
		}
	}
	t.Logf("%d requests with bad text", sent)
	if sent < 300 {
		t.Errorf("only %d requests with bad text: the document lost its parameters?", sent)
	}
	if after := s.writes(); after != before {
		t.Errorf("refused requests wrote: events and idempotency keys %v before, %v after", before, after)
	}
}

type textCase struct {
	s        *system
	t        *testing.T
	rt       httpapi.Route
	key, bad string
	sent     *int
}

// expect sends one request and wants status with the error's param.
func (c textCase) expect(status int, param, method, path string, body any, headers ...string) {
	c.t.Helper()
	*c.sent++
	r := c.s.call(method, path, c.key, body, headers...)
	if r.Status != status || r.str("error", "param") != param {
		c.t.Errorf("%s %s (%s in %s): %d param %q, want %d param %q: %.300s",
			c.rt.Method, c.rt.Path, c.bad, param, r.Status, r.str("error", "param"), status, param, r.Raw)
	}
}

// writes counts the rows a request could write: events and idempotency
// keys, of every organization.
func (s *system) writes() [2]int {
	s.t.Helper()
	var n [2]int
	err := s.svc.DB.Pool.QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM idempotency_keys)`).Scan(&n[0], &n[1])
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// pathVars lists the {variables} of a route pattern.
func pathVars(pattern string) []string {
	var out []string
	for seg := range strings.SplitSeq(pattern, "/") {
		if strings.HasPrefix(seg, "{") {
			out = append(out, seg)
		}
	}
	return out
}

// textLeaves lists the JSON paths of a request schema where a string (or
// any JSON value) goes: properties, the first element of arrays, a map
// entry "k", and every alternative of anyOf.
func textLeaves(s *openapi3.SchemaRef, path string, depth int) []string {
	if s == nil || s.Value == nil || depth > 8 {
		return nil
	}
	v := s.Value
	var out []string
	for _, alt := range v.AnyOf {
		out = append(out, textLeaves(alt, path, depth+1)...)
	}
	for name, p := range v.Properties {
		out = append(out, textLeaves(p, join(path, name), depth+1)...)
	}
	if v.Items != nil {
		out = append(out, textLeaves(v.Items, path+"[0]", depth+1)...)
	}
	if v.AdditionalProperties.Schema != nil {
		out = append(out, textLeaves(v.AdditionalProperties.Schema, join(path, "k"), depth+1)...)
	}
	untyped := v.Type == nil && len(v.AnyOf) == 0 && len(v.Properties) == 0
	if path != "" && (untyped || v.Type.Includes("string")) {
		out = append(out, path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// bodyWith is a JSON object with value (raw JSON) at the path leaf and
// nothing else.
func bodyWith(leaf, value string) []byte {
	const marker = "\x01marker\x01"
	var root any = marker
	parts := strings.Split(strings.ReplaceAll(leaf, "[0]", ".[0]"), ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "[0]" {
			root = []any{root}
		} else {
			root = map[string]any{parts[i]: root}
		}
	}
	raw, _ := json.Marshal(root)
	quoted, _ := json.Marshal(marker)
	return bytes.Replace(raw, quoted, []byte(value), 1)
}
