package httpapi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/invoicing"
)

// strictCases are bodies the decoder must refuse with 400 and param, the
// JSON path of the field at fault. encoding/json alone accepts the
// duplicate and case-variant keys, and names no path (or one without
// indices) for the type errors.
var strictCases = []struct {
	name, body, param string
	into              func() any
}{
	{"duplicate key", `{"legal_name":"a","legal_name":"b"}`, "legal_name", clientIn},
	{"duplicate nested key", `{"address":{"zip":"1","zip":"2"}}`, "address.zip", clientIn},
	{"duplicate metadata key", `{"metadata":{"a":"1","a":"2"}}`, "metadata.a", clientIn},
	{"upper case key", `{"LEGAL_NAME":"a"}`, "LEGAL_NAME", clientIn},
	{"mixed case key", `{"legal_name":"a","Tax_Id":"X"}`, "Tax_Id", clientIn},
	{"case variant after the key", `{"legal_name":"a","Legal_Name":"b"}`, "Legal_Name", clientIn},
	{"case variant in an inline product", `{"items":[{"product":{"Description":"x","price":"1"}}]}`, "items[0].product.Description", invoice},
	{"price NaN", `{"description":"x","price":"NaN"}`, "price", product},
	{"price Infinity", `{"description":"x","price":"Infinity"}`, "price", product},
	{"price hexadecimal", `{"description":"x","price":"0x10"}`, "price", product},
	{"price exponent", `{"description":"x","price":"1e999999999"}`, "price", product},
	{"price exponent number", `{"description":"x","price":1e999999999}`, "price", product},
	{"price boolean", `{"description":"x","price":true}`, "price", product},
	{"price object", `{"description":"x","price":{}}`, "price", product},
	{"price array", `{"description":"x","price":[]}`, "price", product},
	{"price too long", `{"description":"x","price":"` + strings.Repeat("9", 41) + `"}`, "price", product},
	{"number too long", `{"description":"x","price":` + strings.Repeat("9", 41) + `}`, "price", product},
	{"product number", `{"items":[{"product":5}]}`, "items[0].product", invoice},
	{"second item product array", `{"items":[{"product":"prd_1"},{"product":[]}]}`, "items[1].product", invoice},
	{"quantity text", `{"items":[{"product":"prd_1","quantity":"abc"}]}`, "items[0].quantity", invoice},
	{"tax rate", `{"items":[{"product":{"description":"x","price":"1","taxes":[{"type":"IVA","rate":"16%"}]}}]}`, "items[0].product.taxes[0].rate", invoice},
	{"string for boolean", `{"description":"x","price":"1","tax_included":"yes"}`, "tax_included", product},
	{"number for string", `{"legal_name":5}`, "legal_name", clientIn},
	{"object for string", `{"address":{"zip":{}}}`, "address.zip", clientIn},
	{"items object", `{"items":{}}`, "items", invoice},
	{"metadata value number", `{"metadata":{"a":1}}`, "metadata.a", clientIn},
	{"NUL", `{"legal_name":"a\u0000b"}`, "legal_name", clientIn},
	{"NUL nested", `{"items":[{"product":{"description":"\u0000","price":"1"}}]}`, "items[0].product.description", invoice},
	{"NUL in a metadata value", `{"metadata":{"a":"\u0000"}}`, "metadata.a", clientIn},
	{"NUL in a key", `{"metadata":{"a\u0000":"b"}}`, "metadata.a\uFFFD", clientIn},
	{"invalid UTF-8", "{\"legal_name\":\"caf\xe9\"}", "legal_name", clientIn},
	{"invalid UTF-8 nested", "{\"address\":{\"city\":\"\xff\"}}", "address.city", clientIn},
	{"invalid UTF-8 in a key", "{\"metadata\":{\"\xff\":\"b\"}}", "metadata.\uFFFD", clientIn},
	{"NUL in any", `{"a":["\u0000"]}`, "a[0]", anyMap},
	{"duplicate in any", `{"a":[{"b":1,"b":2}]}`, "a[0].b", anyMap},
	{"long number in any", `{"a":` + strings.Repeat("1", 41) + `}`, "a", anyMap},
	{"integer out of range", `{"grace_period_seconds":1e30}`, "grace_period_seconds", func() any { return new(rotateSecretInput) }},
	{"integer fraction", `{"grace_period_seconds":1.5}`, "grace_period_seconds", func() any { return new(rotateSecretInput) }},
}

func clientIn() any { return new(invoicing.ClientInput) }
func invoice() any  { return new(invoicing.InvoiceInput) }
func product() any  { return new(invoicing.ProductInput) }
func anyMap() any   { return new(map[string]any) }

func TestDecodeIsStrict(t *testing.T) {
	for _, tc := range strictCases {
		err := decodeBytes([]byte(tc.body), tc.into())
		var appErr *facturo.Error
		if !errors.As(err, &appErr) {
			t.Errorf("%s: %s decoded (err %v), want 400 with param %s", tc.name, tc.body, err, tc.param)
			continue
		}
		if appErr.Code != facturo.CodeParameterInvalid || appErr.Param != tc.param {
			t.Errorf("%s: %s: code %s param %q (%s), want parameter_invalid param %q",
				tc.name, tc.body, appErr.Code, appErr.Param, appErr.Message, tc.param)
		}
	}
}

// What the strict pass accepts still decodes as before.
func TestDecodeAcceptsValidBodies(t *testing.T) {
	for _, body := range []string{
		`null`, `{"legal_name":"Acme","tax_id":"AAA010101AAA","metadata":{"A":"1","a":"2"}}`,
		`{"legal_name":"café ☕","tax_id":"AAA010101AAA","tax_system":"","address":null,"metadata":null}`,
		`{"client":"cli_1","payment_form":"03","items":[{"product":{"description":"h","price":116.5,"taxes":[{"type":"IVA","rate":"0.16"}]},"quantity":"1.5"}],"exchange":"17.123456"}`,
		`{"global":{"periodicity":"day","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"},"payment_method":"PPD","items":[{"product":"prd_1","discount":"` + strings.Repeat("9", 12) + `.00"}]}`,
	} {
		if err := decodeBytes([]byte(body), new(invoicing.InvoiceInput)); err != nil && strings.Contains(body, "items") {
			t.Errorf("%s: %v", body, err)
		}
		if err := decodeBytes([]byte(body), new(invoicing.ClientInput)); err != nil && !strings.Contains(body, "items") {
			t.Errorf("%s: %v", body, err)
		}
	}
	var in invoicing.SendInput
	if err := decodeBytes([]byte(`{"to":"a@b.mx"}`), &in); err != nil || len(in.To) != 1 {
		t.Errorf("one recipient: %v %v", in.To, err)
	}
	if err := decodeBytes([]byte(`{"to":["a@b.mx","c@d.mx"]}`), &in); err != nil || len(in.To) != 2 {
		t.Errorf("two recipients: %v %v", in.To, err)
	}
}

// A 900,000-digit price used to cost seconds of CPU in the decimal parser;
// it is refused by the length bound, before anything parses it (the cost
// is BenchmarkDecodeHugeNumber's to show: no timing in a unit test). No
// message repeats more than maxEcho characters of the body.
func TestDecodeBoundsWhatItParsesAndEchoes(t *testing.T) {
	long := strings.Repeat("9", 900_000)
	for _, body := range []string{
		`{"description":"x","price":"` + long + `"}`,
		`{"description":"x","price":` + long + `}`,
		`{"description":"x","price":"1` + long + `x"}`,
		`{"description":"x","` + long + `":1}`,
		`{"description":"x","metadata":{"` + long + `":1}}`,
		`{"description":"x","metadata":{"a":"` + long + `",` + long + `}}`,
		`{"description":[` + long + `]}`,
	} {
		err := decodeBytes([]byte(body), new(invoicing.ProductInput))
		var appErr *facturo.Error
		if !errors.As(err, &appErr) || errorTable[appErr.Code].status != 400 {
			t.Errorf("%.40s...: %v, want a 400", body, err)
			continue
		}
		if n := utf8.RuneCountInString(appErr.Message); n > 2*maxEcho+100 {
			t.Errorf("%.40s...: message of %d characters: %.200s", body, n, appErr.Message)
		}
		if n := utf8.RuneCountInString(appErr.Param); n > maxEcho+1 {
			t.Errorf("%.40s...: param of %d characters", body, n)
		}
	}
}

// Every type a request body decodes into is known to the strict pass: a
// json.Unmarshaler it does not know would be checked only loosely (no
// types, no case-sensitive keys), so a new one must be taught to it.
func TestStrictDecodeKnowsEveryRequestType(t *testing.T) {
	known := map[reflect.Type]bool{decimalType: true, timeType: true, rawType: true, productRef: true, recipientType: true}
	seen := map[reflect.Type]bool{}
	var walk func(op string, typ reflect.Type)
	walk = func(op string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if seen[typ] || known[typ] {
			return
		}
		seen[typ] = true
		if reflect.PointerTo(typ).Implements(unmarshalerType) {
			t.Errorf("%s: %s implements json.Unmarshaler; teach accepts and describe in json_scan.go about it", op, typ)
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			for _, ft := range fieldsOf(typ) {
				walk(op, ft)
			}
		case reflect.Slice, reflect.Array, reflect.Map:
			walk(op, typ.Elem())
		}
	}
	for op, d := range operations {
		if d.in != nil {
			walk(op, reflect.TypeOf(d.in))
		}
	}
}

// BenchmarkDecodeHugeNumber decodes a product whose price has 900,000
// digits, against one with a plain price in the same run: the strict pass
// refuses the first after one linear scan, where the decimal parser used
// to spend seconds on it.
func BenchmarkDecodeHugeNumber(b *testing.B) {
	huge := []byte(`{"description":"x","price":"` + strings.Repeat("9", 900_000) + `"}`)
	plain := []byte(`{"description":"x","price":"116.00"}`)
	b.Run("huge", func(b *testing.B) {
		for b.Loop() {
			if decodeBytes(huge, new(invoicing.ProductInput)) == nil {
				b.Fatal("accepted")
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if err := decodeBytes(plain, new(invoicing.ProductInput)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
