package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/invoicing"
)

// FuzzDecode sends arbitrary bodies through the strict request decoder
// into the richest request types (nested objects, decimals, the
// id-or-object product reference). It never panics, and every refusal is
// an application error whose code the error table maps to a 4xx: never an
// internal error, so a malformed body can never answer 500. A refusal
// repeats little of the body, and what it accepts holds only text
// PostgreSQL can store.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"client":"cli_1"}`,
		`{"client":"cli_1","items":[{"product":"prd_1","quantity":"2"}],"payment_form":"03"}`,
		`{"items":[{"product":{"description":"h","price":"116.00","tax_included":true,"taxes":[{"type":"IVA","rate":"0.16"}]},"quantity":"1.5","discount":"1"}]}`,
		`{"items":[{"product":{"description":"h","price":1e999999999}}]}`,
		`{"items":[{"product":{"bogus":1}}]}`, `{"unknown":true}`, `{"client":1}`,
		`{"client":"a"} {"client":"b"}`, `{"client":"a"`, `{"items":[{"quantity":"abc"}]}`,
		"{\"client\":\"\xff\"}", `{"metadata":{"a":"b"}}`, strings.Repeat(`[`, 20000),
		`{"client":"a","client":"b"}`, `{"CLIENT":"a"}`, `{"Client":"a","client":"b"}`,
		`{"items":[{"product":{"description":"h","price":"NaN"}}]}`, `{"exchange":"Infinity"}`,
		`{"exchange":"0x10"}`, `{"exchange":true}`, `{"exchange":{}}`, `{"items":[{"product":5}]}`,
		`{"exchange":"` + strings.Repeat("9", 41) + `"}`, `{"exchange":` + strings.Repeat("9", 41) + `}`,
		`{"client":"\u0000"}`, `{"metadata":{"\u0000":"b"}}`, "{\"metadata\":{\"a\":\"caf\xe9\"}}",
		`{"items":[{"product":{"description":"h","price":"1","metadata":{"a":"b","a":"c"}}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{new(invoicing.InvoiceInput), new(invoicing.InvoicePatch), new(invoicing.ProductInput), new(map[string]any)}
		for _, v := range targets {
			err := decodeBytes(body, v)
			checkDecodeError(t, err)
			if err == nil {
				checkDecodedText(t, reflect.ValueOf(v))
			}
			r := httptest.NewRequest(http.MethodPost, "/v1/invoices", bytes.NewReader(body))
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, MaxBodyBytes)
			checkDecodeError(t, decode(r, v))
		}
	})
}

func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var appErr *facturo.Error
	if !errors.As(err, &appErr) || appErr.Code == "" {
		t.Fatalf("decode error %v (%T) is not an application error with a code", err, err)
	}
	m, ok := errorTable[appErr.Code]
	if !ok || m.status < 400 || m.status >= 500 {
		t.Fatalf("decode error code %q maps to %d, want a 4xx: %v", appErr.Code, m.status, err)
	}
	if n := utf8.RuneCountInString(appErr.Message); n > 2*maxEcho+100 {
		t.Fatalf("decode error message of %d characters: %.300s", n, appErr.Message)
	}
}

// checkDecodedText fails on any string in v, at any depth, that PostgreSQL
// could not store (NUL, invalid UTF-8): the decoder must have refused it.
func checkDecodedText(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkDecodedText(t, v.Elem())
		}
	case reflect.String:
		if !validText(v.String()) {
			t.Fatalf("decoded text %q", v.String())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				checkDecodedText(t, v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkDecodedText(t, v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			checkDecodedText(t, it.Key())
			checkDecodedText(t, it.Value())
		}
	}
}
