package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
)

// unconnectedSpec is the document of an API that reaches no database:
// building the routes queries nothing.
func unconnectedSpec(t *testing.T) *servedSpec {
	t.Helper()
	api := httpapi.New(httpapi.Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.json", nil))
	sp, err := parseSpec(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// The spec check refuses what the document does not allow, so a test that
// passes through it proves something: each answer here breaks the
// document in one way, next to one that keeps it.
func TestSpecCheckRefusesWhatTheDocumentDoesNotAllow(t *testing.T) {
	sp := unconnectedSpec(t)
	const rid = "req_01JZ0000000000000000000000"
	envelope := `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such client","param":"id","request_id":"` + rid + `","doc_url":"https://x"}}`
	emptyList := `{"object":"list","data":[],"has_more":false,"url":"/v1/clients"}`
	std := hdr("Content-Type", "application/json", "X-Request-Id", rid)
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantErr            string // "" for a valid answer
	}{
		{"valid", "GET", "/healthz", 200, std, `{"status":"ok"}`, ""},
		{"unknown property", "GET", "/healthz", 200, std, `{"status":"ok","extra":1}`, "extra"},
		{"missing property", "GET", "/healthz", 200, std, `{}`, "status"},
		{"wrong type", "GET", "/healthz", 200, std, `{"status":1}`, "string"},
		{"undocumented status", "GET", "/healthz", 201, std, `{"status":"ok"}`, "status is not supported"},
		{"not JSON", "GET", "/healthz", 200, hdr("Content-Type", "text/plain", "X-Request-Id", rid), `ok`, "Content-Type"},
		{"no request id", "GET", "/healthz", 200, hdr("Content-Type", "application/json"), `{"status":"ok"}`, "X-Request-Id"},
		{"malformed request id", "GET", "/healthz", 200, hdr("Content-Type", "application/json", "X-Request-Id", "abc"), `{"status":"ok"}`, "X-Request-Id"},
		{"valid list", "GET", "/v1/clients", 200, std, emptyList, ""},
		{"bad list element", "GET", "/v1/clients", 200, std, strings.Replace(emptyList, "[]", `[{"id":"cli_1"}]`, 1), "object"},
		{"valid error", "GET", "/v1/clients/cli_1", 404, std, envelope, ""},
		{"error code outside the table", "GET", "/v1/clients/cli_1", 404, std, strings.Replace(envelope, "resource_missing", "made_up", 1), "made_up"},
		{"error without request id", "GET", "/v1/clients/cli_1", 404, std, strings.Replace(envelope, `"request_id":"`+rid+`",`, "", 1), "request_id"},
		{"error with Retry-After", "GET", "/v1/clients/cli_1", 404, hdr("Content-Type", "application/json", "X-Request-Id", rid, "Retry-After", "5"), envelope, ""},
		{"error with a malformed Retry-After", "GET", "/v1/clients/cli_1", 404, hdr("Content-Type", "application/json", "X-Request-Id", rid, "Retry-After", "soon"), envelope, "Retry-After"},
		{"unknown route, envelope", "GET", "/v1/nowhere", 404, std, strings.Replace(envelope, "resource_missing", "route_not_found", 1), ""},
		{"unknown route, other body", "GET", "/v1/nowhere", 404, std, `{"message":"not found"}`, "error"},
		{"unknown route, no request id", "GET", "/v1/nowhere", 404, hdr("Content-Type", "application/json"), strings.Replace(envelope, "resource_missing", "route_not_found", 1), "X-Request-Id"},
		{"unknown route answered", "GET", "/v1/nowhere", 200, std, `{}`, "no operation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, nil)
			res := &http.Response{StatusCode: c.status, Header: c.header}
			_, err := sp.validate(req, res, []byte(c.body))
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("valid answer refused: %v", err)
			case c.wantErr != "" && err == nil:
				t.Errorf("accepted, want an error about %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Errorf("error %q does not mention %q", err, c.wantErr)
			}
		})
	}
}

// A literal segment wins over a variable, as in the router.
func TestSpecCheckFindsTheRoutedOperation(t *testing.T) {
	sp := unconnectedSpec(t)
	for req, want := range map[[2]string]string{
		{"POST", "/v1/receipts/global_invoice"}:            "/v1/receipts/global_invoice",
		{"GET", "/v1/receipts/global_invoice"}:             "/v1/receipts/{id}",
		{"POST", "/v1/receipts/rcp_1/cancel"}:              "/v1/receipts/{id}/cancel",
		{"GET", "/v1/webhook_endpoints/we_1/deliveries/d"}: "/v1/webhook_endpoints/{id}/deliveries/{delivery}",
	} {
		o := sp.find(httptest.NewRequest(req[0], req[1], nil))
		if o == nil || o.route.Path != want {
			t.Errorf("%s %s: found %v, want %s", req[0], req[1], o, want)
		}
	}
	if o := sp.find(httptest.NewRequest("PUT", "/v1/clients", nil)); o != nil {
		t.Errorf("PUT /v1/clients found %s", o.route.Path)
	}
}

// Coverage counts only successes: an operation answered with errors only
// is still missing.
func TestSpecCoverageListsOperationsWithoutSuccess(t *testing.T) {
	sp := unconnectedSpec(t)
	cov := &coverage{calls: map[string]map[int]int{}}
	for _, o := range sp.ops {
		if name := o.route.Method + " " + o.route.Path; name != "GET /v1/clients" && name != "POST /v1/clients" {
			cov.record(name, 200)
		}
	}
	cov.record("POST /v1/clients", 400)
	cov.record("POST /v1/clients", 404)
	if got, want := cov.missing(sp), []string{"GET /v1/clients", "POST /v1/clients"}; !slices.Equal(got, want) {
		t.Errorf("missing %v, want %v", got, want)
	}
	cov.record("POST /v1/clients", 201)
	if got := cov.missing(sp); !slices.Equal(got, []string{"GET /v1/clients"}) {
		t.Errorf("missing %v after a 201", got)
	}
}

// hdr is a header from name/value pairs.
func hdr(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Set(pairs[i], pairs[i+1])
	}
	return h
}
