package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIHandler serves the OpenAPI 3.1 document of every route of s, built
// once on first use: routes are only added while New runs.
func (s *Server) openAPIHandler() handlerFunc {
	var once sync.Once
	var body []byte
	var buildErr error
	return func(w http.ResponseWriter, r *http.Request) error {
		once.Do(func() {
			doc := s.OpenAPI()
			body, buildErr = json.Marshal(doc)
		})
		if buildErr != nil {
			return fmt.Errorf("openapi document: %w", buildErr)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
		return nil
	}
}

// OpenAPI describes the API: the paths, methods, auth and scopes of
// s.Routes() with the bodies of the operations table. A route missing from
// that table is left out (TestOpenAPICoversEveryRoute fails on it).
func (s *Server) OpenAPI() *openapi3.T {
	g := newSchemaGen()
	doc := &openapi3.T{
		OpenAPI: "3.1.0",
		Info: &openapi3.Info{
			Title:   "Facturo API",
			Version: "1",
			License: &openapi3.License{Name: "Proprietary", Identifier: "LicenseRef-Proprietary"},
			Description: "Multi-tenant invoicing, event-sourced. Authenticate with `Authorization: Bearer <key>`: " +
				"the operator key creates users, a user key (fact_user_) manages organizations and their keys, " +
				"an organization key (fact_live_ / fact_test_) works on one organization's live or test data. " +
				"Organization operations name the scope they need in x-required-scope.",
		},
		Servers:    openapi3.Servers{{URL: "/"}},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{},
	}
	doc.Components.SecuritySchemes = securitySchemes()
	doc.Components.Parameters = commonParameters()
	doc.Components.Headers = openapi3.Headers{
		// Every answer carries one, errors included (the outer middleware sets it).
		"X-Request-Id": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: "The request's id (req_ + ULID); quote it to support.",
			Required:    true,
			Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Pattern: "^req_[0-9A-HJKMNP-TV-Z]{26}$"})}}},
		"Idempotent-Replayed": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: "true when this is the stored answer to an earlier request with the same Idempotency-Key.",
			Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Enum: []any{"true"}})}}},
	}
	doc.Components.Responses = openapi3.ResponseBodies{"Error": {Value: errorResponse()}, "MethodNotAllowed": {Value: methodNotAllowedResponse()}}
	for _, rt := range s.Routes() {
		d, ok := operations[rt.Method+" "+rt.Path]
		if !ok {
			continue
		}
		doc.AddOperation(rt.Path, rt.Method, operation(g, rt, d))
	}
	doc.Webhooks = webhookDoc(g)
	g.components["Error"] = openapi3.NewSchemaRef("", errorSchema())
	doc.Components.Schemas = g.components
	return doc
}

func operation(g *schemaGen, rt Route, d opDoc) *openapi3.Operation {
	op := &openapi3.Operation{
		OperationID: operationID(rt),
		Summary:     d.summary,
		Tags:        []string{d.tag},
		Responses:   openapi3.NewResponses(),
	}
	op.Responses.Delete("default")
	for _, name := range pathParams(rt.Path) {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter(name).
			WithSchema(openapi3.NewStringSchema())})
	}
	if d.paged {
		for _, p := range pagingParams {
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: "#/components/parameters/" + p.name})
		}
	}
	for _, q := range d.query {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: q.parameter()})
	}
	idempotent := rt.Method == http.MethodPost && rt.Auth != AuthNone
	if idempotent {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: "#/components/parameters/Idempotency-Key"})
	}
	if d.eventStream {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewHeaderParameter("Last-Event-ID").
			WithDescription("Resume after this event: the id: of the last event received (TXID:POSITION).").
			WithSchema(&openapi3.Schema{Type: types("string"), Pattern: "^[0-9]+:[0-9]+$"})})
	}
	if len(d.upload) > 0 {
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithSchema(binarySchema(), d.upload)}
	}
	if d.in != nil {
		body := openapi3.NewRequestBody().WithJSONSchemaRef(g.request(reflect.TypeOf(d.in)))
		body.Content.Get("application/json").Example = examples[rt.Method+" "+rt.Path]
		op.RequestBody = &openapi3.RequestBodyRef{Value: body}
	}
	sec, ext := security(rt)
	op.Security, op.Extensions = &sec, ext
	op.AddResponse(d.successStatus(), success(g, d, idempotent))
	for _, status := range append(errorStatuses(rt), d.errors...) {
		if status == http.StatusNotModified {
			op.AddResponse(status, notModified())
			continue
		}
		ref := "#/components/responses/Error"
		if status == http.StatusMethodNotAllowed {
			ref = "#/components/responses/MethodNotAllowed"
		}
		op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Ref: ref})
	}
	return op
}

func success(g *schemaGen, d opDoc, idempotent bool) *openapi3.Response {
	if d.binary != "" {
		resp := openapi3.NewResponse().WithDescription(d.summary).WithContent(openapi3.NewContentWithSchema(binarySchema(), []string{d.binary}))
		resp.Headers = openapi3.Headers{
			"X-Request-Id":        {Ref: "#/components/headers/X-Request-Id"},
			"ETag":                {Value: headerDoc("Names these bytes; send it in If-None-Match to get 304 while the document has not changed.", true)},
			"Content-Disposition": {Value: headerDoc("inline, with the file name: the document's number (\"A-12.pdf\"), or its id before it has one.", true)},
			"Cache-Control":       {Value: headerDoc("private, no-cache: keep it, and ask again with If-None-Match.", true)},
		}
		return resp
	}
	schema := g.response(reflect.TypeOf(d.out))
	if d.eventStream {
		return eventStreamResponse(d, schema)
	}
	if d.list {
		schema = openapi3.NewSchemaRef("", &openapi3.Schema{
			Type: types("object"),
			Properties: openapi3.Schemas{
				"object":   openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Enum: []any{"list"}}),
				"data":     openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("array"), Items: schema}),
				"has_more": openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("boolean"), Description: "Whether another page follows."}),
				"url":      openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")}),
			},
			Required:             []string{"object", "data", "has_more", "url"},
			AdditionalProperties: openapi3.AdditionalProperties{Has: new(false)},
		})
	}
	if reflect.TypeOf(d.out).Kind() == reflect.Map { // the document itself
		schema = openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("object")})
	}
	resp := openapi3.NewResponse().WithDescription(d.summary).WithJSONSchemaRef(schema)
	resp.Headers = openapi3.Headers{"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"}}
	if idempotent {
		resp.Headers["Idempotent-Replayed"] = &openapi3.HeaderRef{Ref: "#/components/headers/Idempotent-Replayed"}
	}
	return resp
}

// binarySchema is raw bytes.
func binarySchema() *openapi3.Schema {
	return &openapi3.Schema{Type: types("string"), Format: "binary"}
}

func headerDoc(desc string, required bool) *openapi3.Header {
	return &openapi3.Header{Parameter: openapi3.Parameter{Description: desc, Required: required,
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")})}}
}

// notModified is the answer to If-None-Match naming the current ETag.
func notModified() *openapi3.Response {
	r := openapi3.NewResponse().WithDescription("Not modified: the ETag in If-None-Match is still the document's; no body.")
	r.Headers = openapi3.Headers{
		"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"},
		"ETag":         {Value: headerDoc("The document's ETag, unchanged.", true)},
	}
	return r
}

// errorStatuses are the error answers a route can give, by who may call it.
func errorStatuses(rt Route) []int {
	out := []int{400, 404, 405, 500}
	switch rt.Auth {
	case AuthNone:
		if rt.Path == "/readyz" {
			out = append(out, 503)
		}
		return out
	case AuthOrg:
		out = append(out, 401, 403, 429, 503)
	default:
		out = append(out, 401, 403, 429)
	}
	if rt.Method != http.MethodGet {
		out = append(out, 409, 413)
	}
	if strings.Contains(rt.Path, "/activity") || strings.Contains(rt.Path, "/audit_log") {
		out = append(out, 503)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func security(rt Route) (openapi3.SecurityRequirements, map[string]any) {
	switch rt.Auth {
	case AuthOperator:
		return openapi3.SecurityRequirements{{"operatorKey": {}}}, map[string]any{"x-auth": "operator"}
	case AuthUser:
		return openapi3.SecurityRequirements{{"userKey": {}}}, map[string]any{"x-auth": "user"}
	case AuthOrg:
		ext := map[string]any{"x-auth": "organization", "x-required-scope": rt.Scope}
		if rt.AlsoScope != "" {
			ext["x-also-required-scope"] = rt.AlsoScope
		}
		return openapi3.SecurityRequirements{{"organizationKey": {}}}, ext
	case AuthKey:
		return openapi3.SecurityRequirements{{"userKey": {}}, {"organizationKey": {}}}, map[string]any{"x-auth": "any key"}
	}
	return openapi3.SecurityRequirements{}, map[string]any{"x-auth": "none"}
}

func securitySchemes() openapi3.SecuritySchemes {
	bearer := func(desc string) *openapi3.SecuritySchemeRef {
		return &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer").WithDescription(desc)}
	}
	return openapi3.SecuritySchemes{
		"operatorKey":     bearer("The operator key (FACTURO_ADMIN_KEY): creates and reads users, rotates and revokes their keys, disables organizations."),
		"userKey":         bearer("A user secret key, fact_user_...: organizations and their keys; it can rotate or revoke itself."),
		"organizationKey": bearer("An organization key, fact_live_... or fact_test_...: one organization's live or test data, limited to its scopes (see x-required-scope). X-API-Key is accepted as well."),
	}
}

func commonParameters() openapi3.ParametersMap {
	m := openapi3.ParametersMap{
		"Idempotency-Key": {Value: openapi3.NewHeaderParameter("Idempotency-Key").WithSchema(&openapi3.Schema{Type: types("string"), MaxLength: new(uint64(255))}).
			WithDescription("Makes the POST safe to retry for 24 h: a retry with the same key and body answers the first status and body with Idempotent-Replayed: true; the same key with another body answers 409 idempotency_key_reused.")},
	}
	for _, p := range pagingParams {
		m[p.name] = &openapi3.ParameterRef{Value: p.parameter()}
	}
	return m
}

func errorResponse() *openapi3.Response {
	r := openapi3.NewResponse().WithDescription("An error, in the one envelope. See doc_url.").
		WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Error", nil))
	r.Headers = openapi3.Headers{
		"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"},
		"Retry-After": {Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: "Seconds to wait before retrying; sent with 429 too_many_auth_failures and 503.",
			Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("integer"), Min: new(1.0)})}}},
	}
	return r
}

// methodNotAllowedResponse is the 405 answer: the envelope, and the methods
// the path does allow (RFC 9110, section 15.5.6).
func methodNotAllowedResponse() *openapi3.Response {
	r := errorResponse()
	r.Description = new("The path exists but not with this method; Allow lists the methods it takes.")
	r.Headers["Allow"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "The methods the path allows, e.g. \"GET, POST\".",
		Required:    true,
		Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")})}}}
	return r
}

// errorSchema is the envelope with every code of errorTable.
func errorSchema() *openapi3.Schema {
	codes := ErrorCodes()
	slices.Sort(codes)
	enum := make([]any, len(codes))
	for i, c := range codes {
		enum[i] = c
	}
	typs := []any{typeInvalidRequest, typeAuthentication, typePermission, typeRateLimit, typeIdempotency, typeAPI}
	str := func(desc string) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Description: desc})
	}
	detail := &openapi3.Schema{
		Type: types("object"),
		Properties: openapi3.Schemas{
			"type":       openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Enum: typs}),
			"code":       openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Enum: enum, Description: "Stable; explained at doc_url."}),
			"message":    str("For humans; may change."),
			"param":      str("The request field at fault, when there is one."),
			"request_id": str("The X-Request-Id of the request."),
			"doc_url":    str("The section of the errors guide, served by the API at /docs/errors, that explains code."),
		},
		Required:             []string{"type", "code", "message", "request_id", "doc_url"},
		AdditionalProperties: openapi3.AdditionalProperties{Has: new(false)},
	}
	return &openapi3.Schema{
		Type:                 types("object"),
		Properties:           openapi3.Schemas{"error": openapi3.NewSchemaRef("", detail)},
		Required:             []string{"error"},
		AdditionalProperties: openapi3.AdditionalProperties{Has: new(false)},
	}
}

// pathParams lists the {names} of a path template.
func pathParams(path string) []string {
	var out []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(path[i:], '}')
		out = append(out, path[i+1:i+j])
		path = path[i+j+1:]
	}
}

// operationID is "get_invoices_id_history" for GET /v1/invoices/{id}/history.
func operationID(rt Route) string {
	p := strings.NewReplacer("{", "", "}", "", ".", "_").Replace(strings.TrimPrefix(rt.Path, "/v1"))
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	if len(parts) == 0 {
		parts = []string{"root"}
	}
	return strings.ToLower(rt.Method) + "_" + strings.Join(parts, "_")
}

// eventStreamResponse documents a text/event-stream answer whose events
// carry schema as their data (OpenAPI 3.1 has no schema for the stream
// itself: the frames are described in words, the data by reference).
func eventStreamResponse(d opDoc, schema *openapi3.SchemaRef) *openapi3.Response {
	resp := openapi3.NewResponse().WithDescription(d.summary + ". Each event is `id: TXID:POSITION`, `event: <type>`, " +
		"`data: <Event JSON>` (the schema below, the same bytes as GET /v1/events/{id}); comment lines are heartbeats.")
	resp.Content = openapi3.Content{"text/event-stream": &openapi3.MediaType{
		Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Description: "Server-sent events.",
			Extensions: map[string]any{"x-event-data": map[string]any{"$ref": schema.Ref}}}),
	}}
	resp.Headers = openapi3.Headers{"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"}}
	return resp
}
