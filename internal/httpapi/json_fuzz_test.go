package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/invoicing"
)

// FuzzDecode sends arbitrary bodies through the strict request decoder
// into the richest request types (nested objects, decimals, the
// id-or-object product reference). It never panics, and every refusal is
// an application error whose code the error table maps to a 4xx: never an
// internal error, so a malformed body can never answer 500.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"client":"cli_1"}`,
		`{"client":"cli_1","items":[{"product":"prd_1","quantity":"2"}],"payment_form":"03"}`,
		`{"items":[{"product":{"description":"h","price":"116.00","tax_included":true,"taxes":[{"type":"IVA","rate":"0.16"}]},"quantity":"1.5","discount":"1"}]}`,
		`{"items":[{"product":{"description":"h","price":1e999999999}}]}`,
		`{"items":[{"product":{"bogus":1}}]}`, `{"unknown":true}`, `{"client":1}`,
		`{"client":"a"} {"client":"b"}`, `{"client":"a"`, `{"items":[{"quantity":"abc"}]}`,
		"{\"client\":\"\xff\"}", `{"metadata":{"a":"b"}}`, strings.Repeat(`[`, 20000),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{new(invoicing.InvoiceInput), new(invoicing.InvoicePatch), new(invoicing.ProductInput), new(map[string]any)}
		for _, v := range targets {
			checkDecodeError(t, decodeBytes(body, v))
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
}
