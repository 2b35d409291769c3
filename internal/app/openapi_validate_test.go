package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// specCheck is an http.RoundTripper that validates every answer of the API
// against the OpenAPI document the API serves: the status must be
// documented for the operation and the body must match its schema. Tests
// that talk to the API through it prove the document honest for what they
// exercise; it records which operations they covered.
type specCheck struct {
	t     *testing.T
	doc   *openapi3.T
	ops   []specOp
	next  http.RoundTripper
	mu    sync.Mutex
	calls map[string]int // "METHOD template status" → count
}

type specOp struct {
	method, template string
	re               *regexp.Regexp
	op               *openapi3.Operation
}

// newSpecCheck loads the document from GET /v1/openapi.json of s.
func newSpecCheck(t *testing.T, s *system) *specCheck {
	t.Helper()
	r := s.must(200, "GET", "/v1/openapi.json", "", nil)
	doc, err := openapi3.NewLoader().LoadFromData(r.Raw)
	if err != nil {
		t.Fatalf("load the served document: %v", err)
	}
	c := &specCheck{t: t, doc: doc, next: http.DefaultTransport, calls: map[string]int{}}
	for path, item := range doc.Paths.Map() {
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
		for method, op := range item.Operations() {
			c.ops = append(c.ops, specOp{method: method, template: path, re: re, op: op})
		}
	}
	return c
}

func (c *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	if verr := c.validate(req, res.StatusCode, body); verr != nil {
		c.t.Errorf("response does not match the OpenAPI document: %s %s → %d: %v\nbody: %.600s", req.Method, req.URL.Path, res.StatusCode, verr, body)
	}
	return res, nil
}

func (c *specCheck) validate(req *http.Request, status int, body []byte) error {
	var op *specOp
	for i := range c.ops {
		o := &c.ops[i]
		if o.method == req.Method && o.re.MatchString(req.URL.Path) {
			// the most specific: /v1/receipts/global_invoice over /v1/receipts/{id}
			if op == nil || strings.Count(op.template, "{") > strings.Count(o.template, "{") {
				op = o
			}
		}
	}
	if op == nil {
		if status == 404 || status == 405 {
			return nil // unknown routes answer in the envelope; nothing to match
		}
		return fmt.Errorf("no operation in the document")
	}
	c.mu.Lock()
	c.calls[fmt.Sprintf("%s %s %d", op.method, op.template, status)]++
	c.mu.Unlock()
	resp := op.op.Responses.Status(status)
	if resp == nil {
		return fmt.Errorf("status %d is not documented for %s %s", status, op.method, op.template)
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return fmt.Errorf("no JSON schema for %d", status)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return mt.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// covered lists the operations answered with a success status.
func (c *specCheck) covered() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for k := range c.calls {
		f := strings.Fields(k)
		if n, _ := strconv.Atoi(f[2]); n < 300 {
			out[f[0]+" "+f[1]] = true
		}
	}
	return out
}
