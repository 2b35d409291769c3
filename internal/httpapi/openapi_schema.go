package httpapi

import (
	"encoding/json"
	"reflect"
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
// be null (Go encodes a nil one as null). Request bodies are described
// without required fields (the handlers answer parameter_missing with the
// field's name) but refuse unknown properties, as decode does.
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
			return openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string", "number"), Description: "An exact decimal, e.g. \"116.00\"."})
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
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(s, ft, input)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		omit := strings.Contains(opts, "omitempty")
		prop := g.of(f.Type, input)
		if nullable(f.Type) && (input || !omit) {
			prop = orNull(prop)
		}
		s.Properties[name] = prop
		if !input && !omit {
			s.Required = append(s.Required, name)
		}
	}
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
	return openapi3.NewSchemaRef("", &v)
}
