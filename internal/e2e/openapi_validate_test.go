package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specCheck is an http.RoundTripper that validates every answer of the API
// against the OpenAPI document the API serves, with kin-openapi: the status
// must be documented for the operation, and the content type, headers and
// body must match it. Answers of unknown routes (404, 405) must match the
// error envelope. Every system of the package sends its calls through one
// (system.call, system.client), so every end-to-end test proves the
// document honest for what it exercises, and the package's TestMain fails
// when an operation was never answered with a valid success.
type specCheck struct {
	t    *testing.T
	spec *servedSpec
	next http.RoundTripper
}

// servedSpec is the document with its operations as regular expressions.
type servedSpec struct {
	doc      *openapi3.T
	ops      []specOp
	envelope *openapi3.SchemaRef // components/schemas/Error
}

type specOp struct {
	route routers.Route
	re    *regexp.Regexp
}

// The document is loaded once per package, from the first system that
// starts: every system runs the same code, so serves the same document.
var (
	specMu     sync.Mutex
	specLoaded *servedSpec
)

// newSpecCheck returns the validating transport of a system at base.
func newSpecCheck(t *testing.T, base string) *specCheck {
	t.Helper()
	return &specCheck{t: t, spec: loadSpec(t, base), next: http.DefaultTransport}
}

// loadSpec loads GET /v1/openapi.json of the system at base once per
// package, and validates that answer itself with the loaded document.
func loadSpec(t *testing.T, base string) *servedSpec {
	t.Helper()
	specMu.Lock()
	defer specMu.Unlock()
	if specLoaded != nil {
		return specLoaded
	}
	req, err := http.NewRequest("GET", base+"/v1/openapi.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/openapi.json: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /v1/openapi.json: %d %v %.300s", res.StatusCode, err, raw)
	}
	sp, err := parseSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	op, err := sp.validate(req, res, raw)
	if err != nil {
		t.Fatalf("GET /v1/openapi.json does not match the document it serves: %v", err)
	}
	answered.record(op, res.StatusCode)
	specLoaded = sp
	return sp
}

// parseSpec loads a document and lists its operations.
func parseSpec(raw []byte) (*servedSpec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the served document: %w", err)
	}
	sp := &servedSpec{doc: doc, envelope: doc.Components.Schemas["Error"]}
	if sp.envelope == nil || doc.Components.Headers["X-Request-Id"] == nil {
		return nil, fmt.Errorf("the served document has no Error schema or no X-Request-Id header")
	}
	variable := regexp.MustCompile(`\\\{[^}]+\\\}`)
	for path, item := range doc.Paths.Map() {
		re := regexp.MustCompile("^" + variable.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
		for method, op := range item.Operations() {
			sp.ops = append(sp.ops, specOp{re: re, route: routers.Route{
				Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}})
		}
	}
	return sp, nil
}

func (c *specCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	if res.StatusCode == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		// An event stream does not end: its status and headers are checked
		// here, its events by the test that reads them.
		op, verr := c.spec.validateHead(req, res)
		if verr != nil {
			c.t.Errorf("event stream does not match the OpenAPI document: %s %s: %v", req.Method, req.URL.Path, verr)
		} else {
			answered.record(op, res.StatusCode)
		}
		return res, nil
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	op, verr := c.spec.validate(req, res, body)
	switch {
	case verr != nil:
		c.t.Errorf("response does not match the OpenAPI document: %s %s → %d: %v\nbody: %.600s",
			req.Method, req.URL.Path, res.StatusCode, verr, body)
	case op != "":
		answered.record(op, res.StatusCode)
	}
	return res, nil
}

// find returns the operation that serves req, nil for an unknown route.
// Like the router, a literal segment wins over a variable:
// POST /v1/receipts/global_invoice is not POST /v1/receipts/{id}.
func (sp *servedSpec) find(req *http.Request) *specOp {
	var op *specOp
	for i := range sp.ops {
		o := &sp.ops[i]
		if o.route.Method == req.Method && o.re.MatchString(req.URL.Path) {
			if op == nil || strings.Count(op.route.Path, "{") > strings.Count(o.route.Path, "{") {
				op = o
			}
		}
	}
	return op
}

// validate checks one answer; op names the operation that gave it ("" for
// a route the document does not have).
func (sp *servedSpec) validate(req *http.Request, res *http.Response, body []byte) (op string, err error) {
	o := sp.find(req)
	if o == nil {
		if res.StatusCode != 404 && res.StatusCode != 405 {
			return "", fmt.Errorf("no operation in the document, status %d", res.StatusCode)
		}
		if res.StatusCode == 405 && res.Header.Get("Allow") == "" {
			return "", fmt.Errorf("405 without Allow (RFC 9110)")
		}
		return "", sp.validateEnvelope(res, body)
	}
	route := o.route
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: &route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return route.Method + " " + route.Path, openapi3filter.ValidateResponse(context.Background(), in)
}

// validateHead checks an answer's status and headers, not its body.
func (sp *servedSpec) validateHead(req *http.Request, res *http.Response) (op string, err error) {
	o := sp.find(req)
	if o == nil {
		return "", fmt.Errorf("no operation in the document")
	}
	route := o.route
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: &route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(strings.NewReader("")),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: true},
	}
	return route.Method + " " + route.Path, openapi3filter.ValidateResponse(context.Background(), in)
}

// validateEnvelope checks the answer of a route the document does not
// have (404 route_not_found, 405): the error envelope with a request id.
func (sp *servedSpec) validateEnvelope(res *http.Response, body []byte) error {
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("content type %q", ct)
	}
	opts := []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()}
	rid := sp.doc.Components.Headers["X-Request-Id"].Value.Schema.Value
	if err := rid.VisitJSON(res.Header.Get("X-Request-Id"), opts...); err != nil {
		return fmt.Errorf("X-Request-Id: %w", err)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return sp.envelope.Value.VisitJSON(v, opts...)
}

// coverage is the package's record of the valid answers, by operation
// ("METHOD /path/{template}") and status.
type coverage struct {
	mu    sync.Mutex
	calls map[string]map[int]int
}

var answered = &coverage{calls: map[string]map[int]int{}}

func (c *coverage) record(op string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls[op] == nil {
		c.calls[op] = map[int]int{}
	}
	c.calls[op][status]++
}

// succeeded reports whether op was answered with a valid 2xx.
func (c *coverage) succeeded(op string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for status := range c.calls[op] {
		if status >= 200 && status < 300 {
			return true
		}
	}
	return false
}

// missing lists the operations of sp never answered with a valid success.
func (c *coverage) missing(sp *servedSpec) []string {
	var out []string
	for _, o := range sp.ops {
		if name := o.route.Method + " " + o.route.Path; !c.succeeded(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
