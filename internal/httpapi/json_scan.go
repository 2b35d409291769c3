package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/invoicing"
)

// scanJSON is the strict pre-pass of every request body, before
// encoding/json decodes it. It walks the tokens alongside the Go type the
// body decodes into, tracking the JSON path (items[0].product), and
// refuses with that path as param:
//
//   - strings and keys that are not valid text (NUL, invalid UTF-8);
//   - a key that appears twice in one object;
//   - a key that is not exactly a field of the struct it decodes into
//     (encoding/json would match LEGAL_NAME to legal_name);
//   - a value of the wrong JSON type, and a decimal that is not written
//     out plainly ("NaN", "0x10", "1e9");
//   - number literals and decimal strings over maxNumberLen characters,
//     before anything parses them;
//   - a value outside the contract its field's `facturo` tag declares
//     (rules.go), and a field the tag requires left out: the same tags
//     write the OpenAPI document's required, enum, bounds and patterns.
//
// Values whose type it does not know (any, json.RawMessage) are still
// checked for text, duplicate keys and number lengths.
func scanJSON(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	s := &jsonScan{dec: dec, body: body}
	if _, err := s.value("", t, nil); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body must hold a single JSON object.")
	}
	return nil
}

const (
	// maxNumberLen bounds a number literal or a decimal string: big
	// enough for any amount, small enough that nothing parses a
	// 900,000-digit price.
	maxNumberLen = 40
	// maxJSONDepth bounds nesting; no request body nests past a few levels.
	maxJSONDepth = 32
)

var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

type jsonScan struct {
	dec   *json.Decoder
	body  []byte
	depth int
}

// token reads the next token; badText is true for a string that is not
// valid text (the decoder itself would turn invalid UTF-8 into U+FFFD, so
// the raw bytes are checked).
func (s *jsonScan) token() (tok json.Token, badText bool, err error) {
	start := s.dec.InputOffset()
	tok, err = s.dec.Token()
	if err != nil {
		return nil, false, jsonError(err)
	}
	if str, ok := tok.(string); ok {
		badText = !utf8.Valid(s.body[start:s.dec.InputOffset()]) || strings.IndexByte(str, 0) >= 0
	}
	return tok, badText, nil
}

// scanned is what the object holding a value needs to know of it: given
// is false for null, a blank string and an empty array (what a required
// field may not be); str is a string's value.
type scanned struct {
	given bool
	str   string
}

// value checks the value at path, which decodes into t (nil: unknown) under
// the rule r of its field (nil: none).
func (s *jsonScan) value(path string, t reflect.Type, r *fieldRule) (scanned, error) {
	tok, bad, err := s.token()
	if err != nil {
		return scanned{}, err
	}
	if bad {
		return scanned{}, textError(path)
	}
	switch tok := tok.(type) {
	case json.Delim:
		if s.depth++; s.depth > maxJSONDepth {
			return scanned{}, facturo.Errorf(facturo.CodeInvalidRequest, "The request body nests deeper than %d levels.", maxJSONDepth)
		}
		defer func() { s.depth-- }()
		if tok == '{' {
			return scanned{given: true}, s.object(path, t)
		}
		n, err := s.array(path, t, r)
		return scanned{given: n > 0}, err
	case string:
		return scanned{given: strings.TrimSpace(tok) != "", str: tok}, s.str(path, t, tok, r)
	case json.Number:
		return scanned{given: true}, s.number(path, t, tok, r)
	case bool:
		if _, ok := accepts(t, jsonBool); !ok {
			return scanned{}, typeError(path, t, "a boolean")
		}
		return scanned{given: true}, nil
	}
	return scanned{}, nil // null leaves any field as it is, as encoding/json does
}

func (s *jsonScan) object(path string, t reflect.Type) error {
	target, ok := accepts(t, jsonObject)
	if !ok {
		return typeError(path, t, "an object")
	}
	var fields []jsonField
	if target != nil && target.Kind() == reflect.Struct {
		fields = structFields(target)
	}
	seen := map[string]bool{}
	given := map[string]string{} // the fields given, with their string values
	for s.dec.More() {
		tok, bad, err := s.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if bad {
			return textError(joinPath(path, key))
		}
		kpath := joinPath(path, key)
		if seen[key] {
			return pathError(kpath, "appears more than once in the request body.")
		}
		seen[key] = true
		var ft reflect.Type
		var rule *fieldRule
		switch {
		case fields != nil:
			i := slices.IndexFunc(fields, func(f jsonField) bool { return f.name == key })
			if i < 0 {
				return unknownField(path, key, fieldsOf(target))
			}
			ft, rule = fields[i].typ, &fields[i].rule
		case target != nil && target.Kind() == reflect.Map:
			ft = target.Elem()
		}
		v, err := s.value(kpath, ft, rule)
		if err != nil {
			return err
		}
		if v.given {
			given[key] = v.str
		}
	}
	if _, _, err := s.token(); err != nil { // }
		return err
	}
	for _, f := range fields {
		if _, ok := given[f.name]; !ok && f.rule.mustHave(given) {
			return missingField(joinPath(path, f.name))
		}
	}
	return nil
}

// array checks an array and returns its length; r's bounds count its
// elements and its other rules apply to each.
func (s *jsonScan) array(path string, t reflect.Type, r *fieldRule) (int, error) {
	target, ok := accepts(t, jsonArray)
	if !ok {
		return 0, typeError(path, t, "an array")
	}
	var elem reflect.Type
	if target != nil {
		elem = target.Elem()
	}
	n := 0
	for ; s.dec.More(); n++ {
		if _, err := s.value(fmt.Sprintf("%s[%d]", path, n), elem, r.elem()); err != nil {
			return n, err
		}
	}
	if _, _, err := s.token(); err != nil { // ]
		return n, err
	}
	if n == 0 {
		return 0, nil // the object holding it decides whether it may be empty
	}
	return n, r.checkCount(path, n)
}

func (s *jsonScan) str(path string, t reflect.Type, v string, r *fieldRule) error {
	target, ok := accepts(t, jsonString)
	switch {
	case !ok:
		return typeError(path, t, "a string")
	case target == decimalType:
		return checkDecimal(path, v, r)
	case target == timeType:
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return pathError(path, "must be %s.", describe(t))
		}
		return nil
	}
	if target != nil && target.Kind() == reflect.Slice { // one element written alone (Recipients)
		r = r.elem()
	}
	return r.checkString(path, v)
}

func (s *jsonScan) number(path string, t reflect.Type, n json.Number, r *fieldRule) error {
	if len(n) > maxNumberLen {
		return pathError(path, "must be a number of at most %d characters.", maxNumberLen)
	}
	target, ok := accepts(t, jsonNumber)
	if !ok {
		return typeError(path, t, "a number")
	}
	if target == nil {
		if r != nil && r.format == "date-time" {
			_, err := parseTime(path, string(n))
			return err
		}
		return nil
	}
	var err error
	switch k := target.Kind(); {
	case target == decimalType:
		return checkDecimal(path, string(n), r)
	case k >= reflect.Int && k <= reflect.Int64:
		var i int64
		if i, err = strconv.ParseInt(string(n), 10, target.Bits()); err == nil {
			return r.checkInt(path, i)
		}
	case k >= reflect.Uint && k <= reflect.Uintptr:
		_, err = strconv.ParseUint(string(n), 10, target.Bits())
	default:
		_, err = strconv.ParseFloat(string(n), target.Bits())
	}
	if err != nil {
		return pathError(path, "must be %s.", describe(t))
	}
	return nil
}

// checkDecimal accepts an amount written out plainly: an optional minus,
// digits, and optionally a point and more digits, in at most maxNumberLen
// characters. No exponent, NaN, Infinity or hexadecimal. A field's
// pattern (rules.go) narrows it further, whether written as a string or
// as a number.
func checkDecimal(path, v string, r *fieldRule) error {
	if len(v) > maxNumberLen || !plainDecimal.MatchString(v) {
		return pathError(path, "must be a decimal number such as \"12.50\", of at most %d characters.", maxNumberLen)
	}
	if r != nil && r.pattern != nil && !r.pattern.MatchString(v) {
		return pathError(path, "must match %s.", r.pattern)
	}
	return nil
}

// pathError is an error about the value at path; the message starts with
// the path. Both are clipped to what an error may echo.
func pathError(path, format string, args ...any) error {
	p := shown(path)
	return facturo.ParamError(facturo.CodeParameterInvalid, p, "%s "+format, append([]any{p}, args...)...)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeError says what the value at path must be; got is what it is. The
// body itself must be an object.
func typeError(path string, t reflect.Type, got string) error {
	if path == "" {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body must be a JSON object.")
	}
	return pathError(path, "must be %s, not %s.", describe(t), got)
}

func unknownField(parent, key string, fields map[string]reflect.Type) error {
	kpath := joinPath(parent, key)
	for name := range fields {
		if strings.EqualFold(name, key) {
			return facturo.ParamError(facturo.CodeParameterInvalid, shown(kpath),
				"Unknown parameter: %s (parameter names are case-sensitive: %s).", shown(kpath), joinPath(parent, name))
		}
	}
	return facturo.ParamError(facturo.CodeParameterInvalid, shown(kpath), "Unknown parameter: %s.", shown(kpath))
}

// JSON kinds of a value.
const (
	jsonObject = iota
	jsonArray
	jsonString
	jsonNumber
	jsonBool
)

var (
	unmarshalerType  = reflect.TypeFor[json.Unmarshaler]()
	productInputType = reflect.TypeFor[invoicing.ProductInput]()
)

// accepts reports whether a value of JSON kind k may decode into t, and
// the type its contents decode into: nil when unknown (any,
// json.RawMessage, a json.Unmarshaler this file does not know).
func accepts(t reflect.Type, k int) (reflect.Type, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil || t == rawType || t.Kind() == reflect.Interface:
		return nil, true
	case t == decimalType:
		return t, k == jsonString || k == jsonNumber
	case t == timeType:
		return t, k == jsonString
	case t == productRef && k == jsonString:
		return reflect.TypeFor[string](), true
	case t == productRef:
		return productInputType, k == jsonObject
	case t == recipientType:
		return reflect.TypeFor[[]string](), k == jsonString || k == jsonArray
	case reflect.PointerTo(t).Implements(unmarshalerType):
		return nil, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return t, k == jsonString // []byte is base64 text
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return t, k == jsonObject
	case reflect.Slice, reflect.Array:
		return t, k == jsonArray
	case reflect.String:
		return t, k == jsonString
	case reflect.Bool:
		return t, k == jsonBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return t, k == jsonNumber
	}
	return nil, true
}

// describe says what a value of t is, for messages.
func describe(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == decimalType:
		return "a decimal number such as \"12.50\""
	case t == timeType:
		return "an RFC 3339 timestamp"
	case t == productRef:
		return "a product id or a product object"
	case t == recipientType:
		return "an email address or a list of them"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("an integer from %d to %d", int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a non-negative integer"
	}
	return "a number"
}

// fieldsOf maps the JSON names of a struct's fields, exactly as
// encoding/json sees them (structFields), to their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, f := range structFields(t) {
		m[f.name] = f.typ
	}
	return m
}
