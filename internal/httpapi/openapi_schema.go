package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/shopspring/decimal"

	"github.com/facturo/facturo/internal/invoicing"
)

// schemaGen derives JSON Schemas (OpenAPI 3.1 dialect) from the Go types the
// handlers encode and decode, so the document cannot drift from the code:
// a field added to a view appears in the spec, and the response validation
// tests fail on a field the schema does not know.
//
// Responses are strict: every field without omitempty is required and no
// other property is allowed. Pointers, slices and maps without omitempty may
// be null (Go encodes a nil one as null). Request bodies refuse unknown
// properties, as decode does, and carry the contract of each field's
// `facturo` tag (rules.go: required, enum, default, bounds, pattern,
// format), which the strict decoder enforces.
type schemaGen struct {
	components openapi3.Schemas
}

func newSchemaGen() *schemaGen { return &schemaGen{components: openapi3.Schemas{}} }

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	decimalType   = reflect.TypeFor[decimal.Decimal]()
	productRef    = reflect.TypeFor[invoicing.ProductRef]()
	recipientType = reflect.TypeFor[invoicing.Recipients]()
)

func types(t ...string) *openapi3.Types { v := openapi3.Types(t); return &v }

// response returns the schema of a response value of type t: named structs
// become components referenced by name.
func (g *schemaGen) response(t reflect.Type) *openapi3.SchemaRef { return g.of(t, false) }

// request returns the inline schema of a request body of type t.
func (g *schemaGen) request(t reflect.Type) *openapi3.SchemaRef { return g.of(t, true) }

func (g *schemaGen) of(t reflect.Type, input bool) *openapi3.SchemaRef {
	switch t {
	case timeType:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Format: "date-time"})
	case rawType: // null included (previous_attributes of a field that was unset)
		return orNull(openapi3.NewSchemaRef("", &openapi3.Schema{Description: "Any JSON value."}))
	case decimalType:
		// Amounts are exact decimals: answered as strings, accepted as
		// strings or numbers.
		if input {
			return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Pattern: plainDecimal.String(), MaxLength: new(uint64(maxNumberLen)),
				Description: "An exact decimal, written out: \"116.00\" (a JSON number written the same way is accepted too)."})
		}
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Description: "An exact decimal."})
	case productRef:
		return openapi3.NewSchemaRef("", &openapi3.Schema{
			Description: "A product id (prd_...) or an inline product.",
			AnyOf:       openapi3.SchemaRefs{openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")}), g.of(reflect.TypeFor[invoicing.ProductInput](), true)},
		})
	case recipientType:
		return openapi3.NewSchemaRef("", &openapi3.Schema{
			Description: "One email address or a list of them.",
			AnyOf: openapi3.SchemaRefs{openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")}),
				openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("array"), Items: openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")})})},
		})
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem(), input)
	case reflect.String:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string")})
	case reflect.Bool:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("boolean")})
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("integer")})
	case reflect.Float32, reflect.Float64:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("number")})
	case reflect.Slice, reflect.Array:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("array"), Items: g.of(t.Elem(), input)})
	case reflect.Map:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("object"),
			AdditionalProperties: openapi3.AdditionalProperties{Schema: g.of(t.Elem(), input)}})
	case reflect.Struct:
		if input || t.Name() == "" {
			return openapi3.NewSchemaRef("", g.object(t, input))
		}
		name := componentName(t)
		if _, ok := g.components[name]; !ok {
			g.components[name] = nil // reserve: a type that refers to itself terminates
			g.components[name] = openapi3.NewSchemaRef("", g.object(t, input))
		}
		return openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
	case reflect.Interface:
		return openapi3.NewSchemaRef("", &openapi3.Schema{Description: "Any JSON value."})
	}
	panic("openapi: no schema for " + t.String()) // a programming error caught by the spec tests
}

// componentName is the type's name without the View suffix: "Invoice".
func componentName(t reflect.Type) string {
	n := strings.TrimSuffix(t.Name(), "View")
	if i := strings.IndexByte(n, '['); i >= 0 { // generic instantiation
		n = n[:i]
	}
	return n
}

// object describes a struct as encoding/json sees it: embedded structs are
// flattened, "-" and unexported fields left out.
func (g *schemaGen) object(t reflect.Type, input bool) *openapi3.Schema {
	s := &openapi3.Schema{Type: types("object"), Properties: openapi3.Schemas{},
		AdditionalProperties: openapi3.AdditionalProperties{Has: new(false)}}
	g.fields(s, t, input)
	return s
}

func (g *schemaGen) fields(s *openapi3.Schema, t reflect.Type, input bool) {
	for _, f := range structFields(t) {
		prop := g.of(f.typ, input)
		if input {
			prop = withRule(prop, f.typ, f.rule)
		}
		mustHave := f.rule.required || len(f.rule.unlessAlts) > 0
		if nullable(f.typ) && (input && !mustHave || !input && !f.omit) {
			prop = orNull(prop) // null leaves an optional input field out
		}
		s.Properties[f.name] = prop
		switch {
		case !input && !f.omit, input && f.rule.required:
			s.Required = append(s.Required, f.name)
		case input && len(f.rule.unlessAlts) > 0:
			s.AllOf = append(s.AllOf, requiredUnless(f.name, f.rule))
		}
	}
}

// requiredUnless is the schema of a field required unless a sibling is
// present, or holds a value (any of several such siblings).
func requiredUnless(name string, r fieldRule) *openapi3.SchemaRef {
	anyOf := openapi3.SchemaRefs{openapi3.NewSchemaRef("", &openapi3.Schema{Required: []string{name}})}
	for _, c := range r.unlessAlts {
		other := &openapi3.Schema{Required: []string{c.field}}
		if c.val != "" {
			other.Properties = openapi3.Schemas{c.field: openapi3.NewSchemaRef("", &openapi3.Schema{Enum: []any{c.val}})}
		}
		anyOf = append(anyOf, openapi3.NewSchemaRef("", other))
	}
	return openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: anyOf})
}

// withRule writes a field's contract (rules.go) into its schema: what the
// strict decoder enforces, the document declares.
func withRule(prop *openapi3.SchemaRef, t reflect.Type, r fieldRule) *openapi3.SchemaRef {
	if prop.Ref != "" || prop.Value == nil {
		return prop
	}
	v := *prop.Value
	switch {
	case t == recipientType: // a string or an array of them
		v.AnyOf = openapi3.SchemaRefs{withRule(v.AnyOf[0], t.Elem(), *r.elem()), withRule(v.AnyOf[1], reflect.TypeFor[[]string](), r)}
		return openapi3.NewSchemaRef("", &v)
	case len(v.AnyOf) > 0:
		return prop
	}
	if r.hasDefault {
		v.Default = defaultValue(t, r.dflt)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case v.Type.Is("array"):
		v.Items = withRule(v.Items, t.Elem(), *r.elem())
		if r.min != nil {
			v.MinItems = uint64(*r.min)
		} else if r.required || len(r.unlessAlts) > 0 {
			v.MinItems = 1 // [] is the field missing
		}
		if r.max != nil {
			v.MaxItems = new(uint64(*r.max))
		}
		return openapi3.NewSchemaRef("", &v)
	case v.Type.Is("integer"):
		if r.min != nil {
			v.Min = new(float64(*r.min))
		}
		if r.max != nil {
			v.Max = new(float64(*r.max))
		}
		return openapi3.NewSchemaRef("", &v)
	}
	stringRule(&v, t, r)
	return openapi3.NewSchemaRef("", &v)
}

// stringRule writes the rules of a string (or decimal, or date-time) field.
func stringRule(v *openapi3.Schema, t reflect.Type, r fieldRule) {
	for _, e := range r.enum {
		v.Enum = append(v.Enum, e)
	}
	if r.pattern != nil {
		v.Pattern = r.pattern.String()
	}
	switch r.format {
	case "date-time":
		v.Type, v.Format, v.Pattern = types("string"), "date-time", timePattern
		v.Description = "RFC 3339, from 1970 on (unix seconds are accepted too)."
	case "email", "uri":
		v.Format = r.format
	}
	if t.Kind() != reflect.String {
		return
	}
	if r.required || r.nonblank || len(r.unlessAlts) > 0 {
		v.MinLength = 1
		if v.Pattern == "" && v.Enum == nil {
			v.Pattern = `\S` // not blank
		}
	}
	if r.max != nil {
		v.MaxLength = new(uint64(*r.max))
	}
}

// defaultValue is a default of a tag as a value of the field's type.
func defaultValue(t reflect.Type, s string) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return s == "true"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	return s
}

// nullable reports whether encoding/json may write null for a value of t.
func nullable(t reflect.Type) bool {
	if t == rawType {
		return false // any JSON value already
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

// orNull lets a schema also match null (3.1: a type list, or anyOf for a
// reference).
func orNull(s *openapi3.SchemaRef) *openapi3.SchemaRef {
	if s.Ref != "" || s.Value.Type == nil {
		return openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: openapi3.SchemaRefs{s, openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("null")})}})
	}
	v := *s.Value
	ts := append(openapi3.Types{}, v.Type.Slice()...)
	ts = append(ts, "null")
	v.Type = &ts
	if v.Enum != nil {
		v.Enum = append(slices.Clone(v.Enum), nil)
	}
	return openapi3.NewSchemaRef("", &v)
}
