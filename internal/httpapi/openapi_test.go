package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo/internal/postgres"
)

func unconnectedServer() *Server {
	// Registration queries nothing: an unconnected pool is enough.
	return New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)})
}

// Every route is in the document and every operation of the document is
// routed, with the route's scope: a route added without an entry in
// operations fails here.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := unconnectedServer()
	doc := s.OpenAPI()
	routed := map[string]Route{}
	for _, rt := range s.Routes() {
		key := rt.Method + " " + rt.Path
		routed[key] = rt
		item := doc.Paths.Find(rt.Path)
		if item == nil || item.GetOperation(rt.Method) == nil {
			t.Errorf("%s is routed but not in the OpenAPI document: add it to operations (openapi_ops.go)", key)
			continue
		}
		op := item.GetOperation(rt.Method)
		if rt.Auth == AuthOrg && op.Extensions["x-required-scope"] != rt.Scope {
			t.Errorf("%s: x-required-scope %v, route needs %q", key, op.Extensions["x-required-scope"], rt.Scope)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if _, ok := routed[method+" "+path]; !ok {
				t.Errorf("%s %s is in the document but not routed", method, path)
			}
		}
	}
	for key := range operations {
		if _, ok := routed[key]; !ok {
			t.Errorf("operations documents %s, which is not routed", key)
		}
	}
}

// The document is valid OpenAPI 3.1 for kin-openapi, survives a JSON round
// trip, and names every error code.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := unconnectedServer()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	code := doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value
	var got []string
	for _, c := range code.Enum {
		got = append(got, c.(string))
	}
	want := ErrorCodes()
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("error codes in the document %v, errorTable has %v", got, want)
	}
	// POSTs take Idempotency-Key.
	op := doc.Paths.Find("/v1/invoices").Post
	var names []string
	for _, p := range op.Parameters {
		names = append(names, p.Value.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "Idempotency-Key") {
		t.Errorf("POST /v1/invoices parameters %v lack Idempotency-Key", names)
	}
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
}

// The document describes a delivery too: the event body and every header
// a receiver may rely on, the resource ones included.
func TestOpenAPIDescribesTheWebhookDelivery(t *testing.T) {
	doc := unconnectedServer().OpenAPI()
	item := doc.Webhooks["event"]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		t.Fatal("no webhooks.event.post with a body in the document")
	}
	var got []string
	for _, p := range item.Post.Parameters {
		if p.Value.In == "header" {
			got = append(got, p.Value.Name)
		}
	}
	for _, h := range []string{"webhook-id", "webhook-timestamp", "webhook-signature", "Facturo-Resource", "Facturo-Resource-Version"} {
		if !slices.Contains(got, h) {
			t.Errorf("header %s not documented (headers: %v)", h, got)
		}
	}
	event := doc.Paths.Find("/v1/events/{id}").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Ref
	body := item.Post.RequestBody.Value.Content.Get("application/json")
	if body == nil || body.Schema == nil || event == "" || body.Schema.Ref != event {
		t.Errorf("delivery body schema: %+v, want %q, the schema of GET /v1/events/{id}", body, event)
	}
}
