package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
)

// Path variables, query values and stored headers that PostgreSQL cannot
// store are refused before anything else runs: this server has no
// authenticator and an unconnected pool, so any query or key check would
// panic into a 500. A path id answers 404, the rest 400 with param, and
// with or without a key alike. (NUL cannot cross a real HTTP connection
// in a header; internal/e2e's TestSecurityTextInputs covers the rest over
// HTTP, with the body.)
func TestRequestTextCheckedBeforeAnyQuery(t *testing.T) {
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)})
	h := s.Handler()
	send := func(rt Route, target string, header http.Header) (int, string) {
		req := httptest.NewRequest(rt.Method, target, strings.NewReader(`{}`))
		for k, v := range header {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body struct{ Error struct{ Code, Param string } }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body.Error.Code + " " + body.Error.Param
	}
	for _, rt := range s.Routes() {
		name := rt.Method + " " + rt.Path
		path := strings.NewReplacer("{id}", "x_1", "{org}", "org_1", "{delivery}", "del_1").Replace(rt.Path)
		for _, bad := range []string{"%00", "%FF", "a%00b", "caf%E9"} {
			for _, v := range pathParams(rt.Path) {
				target := strings.Replace(rt.Path, "{"+v+"}", bad, 1)
				target = strings.NewReplacer("{id}", "x_1", "{org}", "org_1", "{delivery}", "del_1").Replace(target)
				if status, got := send(rt, target, nil); status != 404 || got != "resource_missing id" {
					t.Errorf("%s with {%s}=%s: %d %s, want 404 resource_missing id", name, v, bad, status, got)
				}
			}
			for _, q := range queryParams(rt) {
				if status, got := send(rt, path+"?"+url.QueryEscape(q)+"="+bad, nil); status != 400 || got != "parameter_invalid "+q {
					t.Errorf("%s with ?%s=%s: %d %s, want 400 parameter_invalid %s", name, q, bad, status, got, q)
				}
			}
			if status, got := send(rt, path+"?"+bad+"=1", nil); status != 400 || !strings.HasPrefix(got, "parameter_invalid ") {
				t.Errorf("%s with the query parameter name %s: %d %s, want 400 parameter_invalid", name, bad, status, got)
			}
		}
		if rt.Method != http.MethodPost || rt.Auth == AuthNone {
			continue
		}
		for _, key := range []string{"caf\xe9", "a\x00b", "\xff"} {
			hdr := http.Header{"Idempotency-Key": {key}, "Authorization": {"Bearer fact_test_" + strings.Repeat("a", 40)}}
			if status, got := send(rt, path, hdr); status != 400 || got != "parameter_invalid Idempotency-Key" {
				t.Errorf("%s with Idempotency-Key %q: %d %s, want 400 parameter_invalid Idempotency-Key", name, key, status, got)
			}
		}
	}
}

// queryParams are the query parameters the document gives a route.
func queryParams(rt Route) []string {
	var out []string
	for _, q := range operations[rt.Method+" "+rt.Path].queryParams() {
		out = append(out, q.name)
	}
	return out
}

// An unknown URL's answer repeats at most maxEcho characters of it.
func TestUnknownRouteMessageIsBounded(t *testing.T) {
	h := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)}).Handler()
	for _, target := range []string{"/v1/" + strings.Repeat("x", 5000), "/v1/%00%FF" + strings.Repeat("y", 5000)} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		var body struct{ Error struct{ Message string } }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 404 {
			t.Fatalf("%d %v", rec.Code, err)
		}
		if n := utf8.RuneCountInString(body.Error.Message); n > maxEcho+50 || !utf8.ValidString(body.Error.Message) {
			t.Errorf("message of %d characters: %.200q", n, body.Error.Message)
		}
	}
}

// However a message quotes the request, the envelope repeats a bounded
// part of it: domain messages such as "'...' is not a valid email
// address." are clipped, and so is param.
func TestErrorMessagesAreBounded(t *testing.T) {
	long := strings.Repeat("x", 5000)
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("POST", "/v1/clients", nil), nil,
		facturo.ParamError(facturo.CodeParameterInvalid, "metadata."+long, "'%s' is not a valid email address.", long))
	var body struct {
		Error struct{ Message, Param string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(body.Error.Message); n > maxMessage+1 {
		t.Errorf("message of %d characters", n)
	}
	if n := utf8.RuneCountInString(body.Error.Param); n > maxEcho+1 {
		t.Errorf("param of %d characters", n)
	}
}
