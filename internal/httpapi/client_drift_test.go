package httpapi

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo/client"
)

// clientMirrors names, for every type of the Go SDK that mirrors a body of
// the API, where the served document describes that body:
// "request|response|list METHOD path" (list: an element of the answer's
// data), or "error" (the envelope's error object).
var clientMirrors = []struct {
	v     any
	where string
}{
	{client.UserInput{}, "request POST /v1/users"},
	{client.UserWithKey{}, "response POST /v1/users"},
	{client.UserDetail{}, "response GET /v1/users/{id}"},
	{client.Organization{}, "response GET /v1/organizations/{id}"},
	{client.OrganizationInput{}, "request POST /v1/organizations"},
	{client.OrganizationPatch{}, "request PATCH /v1/organizations/{id}"},
	{client.Account{}, "response GET /v1/account"},
	{client.APIKey{}, "response GET /v1/organizations/{org}/api_keys/{id}"},
	{client.APIKeyInput{}, "request POST /v1/organizations/{org}/api_keys"},
	{client.APIKeyPatch{}, "request PATCH /v1/organizations/{org}/api_keys/{id}"},
	{client.KeyUse{}, "list GET /v1/organizations/{org}/api_keys/{id}/activity"},
	{client.AuditEntry{}, "list GET /v1/organizations/{org}/audit_log"},
	{client.Event{}, "response GET /v1/events/{id}"},
	{client.Page[client.Event]{}, "response GET /v1/events"},
	{client.EventType{}, "list GET /v1/event_types"},
	{client.Customer{}, "response GET /v1/clients/{id}"},
	{client.ClientInput{}, "request POST /v1/clients"},
	{client.ClientPatch{}, "request PATCH /v1/clients/{id}"},
	{client.Product{}, "response GET /v1/products/{id}"},
	{client.ProductInput{}, "request POST /v1/products"},
	{client.ProductPatch{}, "request PATCH /v1/products/{id}"},
	{client.TaxRate{}, "response GET /v1/tax_rates/{id}"},
	{client.TaxRateInput{}, "request POST /v1/tax_rates"},
	{client.TaxRatePatch{}, "request PATCH /v1/tax_rates/{id}"},
	{client.Series{}, "response GET /v1/series/{id}"},
	{client.SeriesInput{}, "request POST /v1/series"},
	{client.SeriesPatch{}, "request PATCH /v1/series/{id}"},
	{client.Invoice{}, "response GET /v1/invoices/{id}"},
	{client.RecurringInvoice{}, "response GET /v1/recurring_invoices/{id}"},
	{client.RecurringInvoiceInput{}, "request POST /v1/recurring_invoices"},
	{client.RecurringInvoicePatch{}, "request PATCH /v1/recurring_invoices/{id}"},
	{client.RecurringPreview{}, "response GET /v1/recurring_invoices/{id}/preview"},
	{client.InvoiceInput{}, "request POST /v1/invoices"},
	{client.InvoicePatch{}, "request PATCH /v1/invoices/{id}"},
	{client.PaymentInput{}, "request POST /v1/invoices/{id}/pay"},
	{client.CancelInput{}, "request POST /v1/invoices/{id}/void"},
	{client.SendInput{}, "request POST /v1/invoices/{id}/send"},
	{client.CorrectionInput{}, "request POST /v1/invoices/{id}/corrective"},
	{client.Quote{}, "response GET /v1/quotes/{id}"},
	{client.QuoteInput{}, "request POST /v1/quotes"},
	{client.QuotePatch{}, "request PATCH /v1/quotes/{id}"},
	{client.AnswerInput{}, "request POST /v1/quotes/{id}/reject"},
	{client.ConvertInput{}, "request POST /v1/quotes/{id}/convert"},
	{client.PublicQuote{}, "response GET /public/quotes/{token}"},
	{client.Proforma{}, "response GET /v1/proformas/{id}"},
	{client.ProformaInput{}, "request POST /v1/proformas"},
	{client.ProformaPatch{}, "request PATCH /v1/proformas/{id}"},
	{client.ConvertInput{}, "request POST /v1/proformas/{id}/convert"},
	{client.SendInput{}, "request POST /v1/quotes/{id}/send"},
	{client.SendInput{}, "request POST /v1/proformas/{id}/send"},
	{client.Receipt{}, "response GET /v1/receipts/{id}"},
	{client.ReceiptInput{}, "request POST /v1/receipts"},
	{client.GlobalPeriod{}, "request POST /v1/receipts/global_invoice"},
	{client.SendInput{}, "request POST /v1/receipts/{id}/send"},
	{client.SendInput{}, "request POST /v1/retentions/{id}/send"},
	{client.Retention{}, "response GET /v1/retentions/{id}"},
	{client.RetentionInput{}, "request POST /v1/retentions"},
	{client.WebhookEndpoint{}, "response GET /v1/webhook_endpoints/{id}"},
	{client.WebhookEndpointInput{}, "request POST /v1/webhook_endpoints"},
	{client.WebhookEndpointPatch{}, "request PATCH /v1/webhook_endpoints/{id}"},
	{client.Delivery{}, "response GET /v1/webhook_endpoints/{id}/deliveries/{delivery}"},
	{client.Recovery{}, "response POST /v1/webhook_endpoints/{id}/recover"},
	{client.VerifactuRecord{}, "list GET /v1/verifactu/records"},
	{client.Error{}, "error"},
}

// The Go SDK declares its own types (it must not import the server's), so
// this keeps them equal to GET /v1/openapi.json, which is built from the
// server's types: for each mirror, recursively, every JSON field of the
// client is a property of the schema and every property a field of the
// client, with the same JSON type (date-times as time.Time). Every exported
// struct of package client with JSON tags must be reached by some mirror,
// so a new SDK type cannot escape the check.
func TestClientTypesMatchOpenAPI(t *testing.T) {
	doc := servedOpenAPI(t)
	d := &drift{seen: map[string]bool{}}
	for _, m := range clientMirrors {
		s, err := bodySchema(doc, m.where)
		if err != nil {
			t.Errorf("%T: %v", m.v, err)
			continue
		}
		d.compare(fmt.Sprintf("%T (%s)", m.v, m.where), reflect.TypeOf(m.v), s)
	}
	sort.Strings(d.errs)
	for _, e := range d.errs {
		t.Error(e)
	}
	for _, name := range clientJSONStructs(t) {
		if !d.seen[name] {
			t.Errorf("client.%s has JSON fields but no entry of clientMirrors reaches it: add where the document describes it", name)
		}
	}
}

// The comparison finds drift in either direction and in types.
func TestClientDriftCheckFindsDrift(t *testing.T) {
	doc := servedOpenAPI(t)
	s, err := bodySchema(doc, "response GET /v1/clients/{id}")
	if err != nil {
		t.Fatal(err)
	}
	type drifted struct {
		client.Customer
		Extra   string `json:"extra"`   // not in the schema
		Deleted string `json:"deleted"` // a boolean in the schema
	}
	type partial struct {
		ID string `json:"id"` // every other property is missing
	}
	for _, c := range []struct {
		v    any
		want []string
	}{
		{drifted{}, []string{"extra: client field not in the schema", "deleted: client JSON type string"}},
		{partial{}, []string{"legal_name: schema property missing from the client", "address: schema property missing from the client"}},
		{struct {
			client.Customer
			CreatedAt string `json:"created_at"`
		}{}, []string{"created_at: schema is a date-time"}},
	} {
		d := &drift{seen: map[string]bool{}}
		d.compare("x", reflect.TypeOf(c.v), s)
		all := strings.Join(d.errs, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%T: errors lack %q:\n%s", c.v, w, all)
			}
		}
	}
}

func servedOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	rec := httptest.NewRecorder()
	unconnectedServer().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.json", nil))
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("GET /v1/openapi.json: %d: %v", rec.Code, err)
	}
	return doc
}

// bodySchema finds the schema a clientMirrors entry names.
func bodySchema(doc *openapi3.T, where string) (*openapi3.Schema, error) {
	if where == "error" {
		return doc.Components.Schemas["Error"].Value.Properties["error"].Value, nil
	}
	kind, route, _ := strings.Cut(where, " ")
	method, path, _ := strings.Cut(route, " ")
	item := doc.Paths.Find(path)
	if item == nil || item.GetOperation(method) == nil {
		return nil, fmt.Errorf("no operation %s in the document", route)
	}
	op := item.GetOperation(method)
	if kind == "request" {
		if op.RequestBody == nil {
			return nil, fmt.Errorf("%s takes no body", route)
		}
		return op.RequestBody.Value.Content.Get("application/json").Schema.Value, nil
	}
	for code, r := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		s := r.Value.Content.Get("application/json").Schema.Value
		if kind == "list" {
			return s.Properties["data"].Value.Items.Value, nil
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s has no success answer", route)
}

// clientJSONStructs lists the exported struct types of package client with
// at least one json tag.
func clientJSONStructs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../client/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok && slices.ContainsFunc(st.Fields.List, func(f *ast.Field) bool {
				return f.Tag != nil && strings.Contains(f.Tag.Value, `json:"`)
			}) {
				out = append(out, ts.Name.Name)
			}
			return true
		})
	}
	if len(out) < 20 {
		t.Fatalf("found only %d JSON structs in package client: %v", len(out), out)
	}
	sort.Strings(out)
	return out
}

// drift compares Go types with JSON Schemas, collecting the differences.
type drift struct {
	errs []string
	seen map[string]bool // client types compared, by name
}

var (
	clientPkg      = reflect.TypeFor[client.Client]().PkgPath()
	productRefType = reflect.TypeFor[client.ProductRef]()
	rawJSON        = reflect.TypeFor[json.RawMessage]()
)

func (d *drift) errorf(at, format string, args ...any) {
	d.errs = append(d.errs, at+": "+fmt.Sprintf(format, args...))
}

func (d *drift) compare(at string, t reflect.Type, s *openapi3.Schema) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == clientPkg && t.Name() != "" {
		name, _, _ := strings.Cut(t.Name(), "[") // Page[...]
		d.seen[name] = true
	}
	s = withoutNull(s)
	if len(s.AnyOf) > 0 {
		d.compareAnyOf(at, t, s.AnyOf)
		return
	}
	jt := schemaTypeOf(t)
	if s.Type == nil || len(s.Type.Slice()) == 0 { // any JSON value
		if jt != "any" {
			d.errorf(at, "schema is any JSON value, client has %s", t)
		}
		return
	}
	if !s.Type.Includes(jt) {
		d.errorf(at, "client JSON type %s (%s), schema %v", jt, t, s.Type.Slice())
		return
	}
	if (t == reflect.TypeFor[time.Time]()) != (s.Format == "date-time") {
		d.errorf(at, "schema is a date-time: %v, client is time.Time: %v", s.Format == "date-time", t == reflect.TypeFor[time.Time]())
	}
	switch {
	case jt == "array":
		d.compare(at+"[]", t.Elem(), s.Items.Value)
	case jt == "object" && t.Kind() == reflect.Map:
		if s.AdditionalProperties.Schema == nil {
			d.errorf(at, "client is a map, schema has no additionalProperties")
			return
		}
		d.compare(at+"{}", t.Elem(), s.AdditionalProperties.Schema.Value)
	case jt == "object":
		d.compareObject(at, t, s)
	}
}

// compareAnyOf passes when the type matches one alternative. A ProductRef
// is either one: its ID the string, its Inline product the object.
func (d *drift) compareAnyOf(at string, t reflect.Type, alts openapi3.SchemaRefs) {
	if t == productRefType {
		var kinds []string
		for _, a := range alts {
			if a.Value.Type.Is("string") {
				kinds = append(kinds, "string")
			} else {
				kinds = append(kinds, "object")
				d.compare(at+".Inline", reflect.TypeFor[client.ProductInput](), a.Value)
			}
		}
		if !slices.Equal(kinds, []string{"string", "object"}) {
			d.errorf(at, "a product reference is a string or an object, the schema's alternatives are %v", kinds)
		}
		return
	}
	var tried []string
	for _, a := range alts {
		sub := &drift{seen: map[string]bool{}}
		sub.compare(at, t, a.Value)
		if len(sub.errs) == 0 {
			for n := range sub.seen {
				d.seen[n] = true
			}
			return
		}
		tried = append(tried, sub.errs...)
	}
	d.errorf(at, "client %s matches no alternative of the schema: %s", t, strings.Join(tried, "; "))
}

func (d *drift) compareObject(at string, t reflect.Type, s *openapi3.Schema) {
	fields := map[string]reflect.Type{}
	d.jsonFields(t, fields)
	for name, ft := range fields {
		p, ok := s.Properties[name]
		if !ok {
			d.errorf(at+"."+name, "client field not in the schema")
			continue
		}
		d.compare(at+"."+name, ft, p.Value)
	}
	for name := range s.Properties {
		if _, ok := fields[name]; !ok {
			d.errorf(at+"."+name, "schema property missing from the client")
		}
	}
}

// jsonFields collects the JSON fields of a struct as encoding/json sees
// them: embedded structs flattened, "-" and unexported fields left out.
func (d *drift) jsonFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if f.Type.PkgPath() == clientPkg {
				d.seen[f.Type.Name()] = true
			}
			d.jsonFields(f.Type, out)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
}

// schemaTypeOf is the JSON Schema type encoding/json writes for t, or "any".
func schemaTypeOf(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Time]():
		return "string"
	case rawJSON:
		return "any"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "any"
}

// withoutNull drops the null alternative of a nullable schema: the client
// decodes null into a zero value or a nil pointer either way.
func withoutNull(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AnyOf) > 0 {
		var rest openapi3.SchemaRefs
		for _, a := range s.AnyOf {
			if !a.Value.Type.Is("null") {
				rest = append(rest, a)
			}
		}
		if len(rest) == 1 {
			return withoutNull(rest[0].Value)
		}
		c := *s
		c.AnyOf = rest
		return &c
	}
	if s.Type != nil && s.Type.Includes("null") {
		c := *s
		var ts openapi3.Types
		for _, x := range s.Type.Slice() {
			if x != "null" {
				ts = append(ts, x)
			}
		}
		c.Type = &ts
		return &c
	}
	return s
}
