package httpapi

import (
	"fmt"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/facturo/facturo"
)

// A request field's contract is declared once, in a `facturo` struct tag
// on the Go type the body decodes into, and read by one piece of code
// (ruleOf): the OpenAPI generator writes it into the document (required,
// enum, default, bounds, pattern, format) and the strict pre-pass of every
// body (scanJSON) enforces it before any domain code runs. So the document
// cannot promise what the API refuses. The domain keeps its own checks,
// the last word for rules a tag cannot say ("payment_form with PPD is 99").
//
// The tag is a list of rules separated by ";":
//
//	required          the field must be present, not null, not blank, not []
//	required_unless=f the same, unless the sibling field f is present
//	required_unless=f:v   ... unless the sibling string field f is v
//	required_unless=f|g:v ... unless either holds
//	nonblank          if present, a string must not be blank
//	enum=A|B|C        the string is one of these (elements, for an array)
//	default=v         what the API assumes when the field is left out
//	min=n, max=n      an integer's bounds, a string's length in characters,
//	                  an array's number of elements
//	pattern=re        the string matches re (elements, for an array; the
//	                  literal, for a decimal)
//	format=f          email, date-time (RFC 3339 or unix seconds) or uri
//
// A string field left out or sent as "" is not checked: "" is what every
// optional text field means by "not given".
type fieldRule struct {
	required   bool
	unlessAlts []unlessCond // siblings that lift required, each one enough
	nonblank   bool
	enum       []string
	dflt       string
	hasDefault bool
	min, max   *int64
	pattern    *regexp.Regexp
	format     string
}

// jsonField is one field of a struct as encoding/json sees it, with its
// contract.
type jsonField struct {
	name string
	typ  reflect.Type
	omit bool // omitempty
	rule fieldRule
}

var structCache sync.Map // reflect.Type → []jsonField

// structFields lists the JSON fields of a struct exactly as encoding/json
// sees them (embedded structs flattened unless a shallower field has their
// name, "-" and unexported fields left out), in declaration order.
func structFields(t reflect.Type) []jsonField {
	if v, ok := structCache.Load(t); ok {
		return v.([]jsonField)
	}
	var out, promoted []jsonField
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
				promoted = append(promoted, structFields(ft)...)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		omit := slices.Contains(strings.Split(opts, ","), "omitempty")
		out = append(out, jsonField{name: name, typ: f.Type, omit: omit, rule: ruleOf(t, f)})
	}
	for _, p := range promoted {
		if !hasField(out, p.name) {
			out = append(out, p)
		}
	}
	structCache.Store(t, out)
	return out
}

func hasField(fs []jsonField, name string) bool {
	return slices.ContainsFunc(fs, func(f jsonField) bool { return f.name == name })
}

// ruleOf reads the `facturo` tag of field f of struct t. A malformed tag
// is a programming error: every request type is read when the document is
// built, which every test of the package does.
func ruleOf(t reflect.Type, f reflect.StructField) fieldRule {
	var r fieldRule
	tag, ok := f.Tag.Lookup("facturo")
	if !ok {
		return r
	}
	for part := range strings.SplitSeq(tag, ";") {
		if err := r.set(part); err != nil {
			panic(fmt.Sprintf("facturo tag of %s.%s: %v", t, f.Name, err))
		}
	}
	return r
}

func (r *fieldRule) set(part string) error {
	key, val, _ := strings.Cut(part, "=")
	var err error
	switch key {
	case "required":
		r.required = true
	case "required_unless":
		for _, alt := range strings.Split(val, "|") {
			var c unlessCond
			c.field, c.val, _ = strings.Cut(alt, ":")
			r.unlessAlts = append(r.unlessAlts, c)
		}
	case "nonblank":
		r.nonblank = true
	case "enum":
		r.enum = strings.Split(val, "|")
	case "default":
		r.dflt, r.hasDefault = val, true
	case "min", "max":
		var n int64
		if n, err = strconv.ParseInt(val, 10, 64); err == nil {
			if key == "min" {
				r.min = &n
			} else {
				r.max = &n
			}
		}
	case "pattern":
		r.pattern, err = regexp.Compile(val)
	case "format":
		if val != "email" && val != "date-time" && val != "uri" {
			err = fmt.Errorf("unknown format %q", val)
		}
		r.format = val
	default:
		err = fmt.Errorf("unknown rule %q", part)
	}
	return err
}

// mustHave reports whether the field must be given, seen the sibling
// values of its object (strings by name; others as present).
func (r *fieldRule) mustHave(siblings map[string]string) bool {
	if r.required {
		return true
	}
	if len(r.unlessAlts) == 0 {
		return false
	}
	for _, c := range r.unlessAlts {
		if v, present := siblings[c.field]; present && (c.val == "" || v == c.val) {
			return false
		}
	}
	return true
}

// unlessCond is one sibling condition of required_unless: the sibling
// field is present (val ""), or holds val.
type unlessCond struct {
	field, val string
}

// checkString enforces the rules of a string value (an element's, for an
// array field): enum, pattern, format and length.
func (r *fieldRule) checkString(path, v string) error {
	if r == nil || v == "" {
		return nil
	}
	if strings.TrimSpace(v) == "" && (r.nonblank || r.required || len(r.unlessAlts) > 0) {
		return facturo.ParamError(facturo.CodeParameterMissing, shown(path), "%s must not be blank.", shown(path))
	}
	switch {
	case r.enum != nil && !slices.Contains(r.enum, v):
		return pathError(path, "must be one of %s.", strings.Join(r.enum, ", "))
	case r.pattern != nil && !r.pattern.MatchString(v):
		return pathError(path, "must match %s.", r.pattern)
	case r.format == "email" && !validEmail(v):
		return pathError(path, "must be an email address.")
	case r.format == "uri" && !validURI(v):
		return pathError(path, "must be an absolute URL.")
	case r.format == "date-time":
		_, err := parseTime(path, v)
		return err
	}
	if n := int64(utf8.RuneCountInString(v)); r.max != nil && n > *r.max {
		return pathError(path, "must be at most %d characters long.", *r.max)
	}
	return nil
}

// checkInt enforces an integer's bounds.
func (r *fieldRule) checkInt(path string, n int64) error {
	if r == nil || (r.min == nil || n >= *r.min) && (r.max == nil || n <= *r.max) {
		return nil
	}
	switch {
	case r.min != nil && r.max != nil:
		return pathError(path, "must be an integer from %d to %d.", *r.min, *r.max)
	case r.min != nil:
		return pathError(path, "must be an integer of at least %d.", *r.min)
	}
	return pathError(path, "must be an integer of at most %d.", *r.max)
}

// checkCount enforces the number of elements of a non-empty array.
func (r *fieldRule) checkCount(path string, n int) error {
	if r == nil {
		return nil
	}
	if r.min != nil && int64(n) < *r.min {
		return pathError(path, "must have at least %d elements.", *r.min)
	}
	if r.max != nil && int64(n) > *r.max {
		return pathError(path, "must have at most %d elements.", *r.max)
	}
	return nil
}

// elem is the rule of each element of an array field: its enum, pattern
// and format.
func (r *fieldRule) elem() *fieldRule {
	if r == nil {
		return nil
	}
	return &fieldRule{enum: r.enum, pattern: r.pattern, format: r.format}
}

func missingField(path string) error {
	return facturo.ParamError(facturo.CodeParameterMissing, shown(path), "%s is required.", shown(path))
}

// validURI accepts an absolute URL (the webhook policy then decides
// which ones may be reached).
func validURI(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// validEmail is the check of the domain packages: one plain address
// (net/mail), at most 254 characters.
func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	return err == nil && a.Address == v && a.Name == "" && len(v) <= 254
}
