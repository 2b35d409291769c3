package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/facturo/facturo"
)

// The first key header that is present decides, whatever its value: an
// empty, blank or repeated header of higher precedence is refused, never
// skipped in favour of one further down (docs/keys.md, "Sending a key").
func TestCredentialPresentHeaderDecides(t *testing.T) {
	const good = "fact_test_0123456789abcdefghijklmn"
	for _, tc := range []struct {
		name   string
		header [][2]string
		want   string // the key, or the error code
	}{
		{"no header", nil, facturo.CodeMissingAPIKey},
		{"bearer", [][2]string{{"Authorization", "Bearer " + good}}, good},
		{"x-api-key", [][2]string{{"X-API-Key", good}}, good},
		{"token", [][2]string{{"Token", " " + good + " "}}, good},
		{"empty authorization", [][2]string{{"Authorization", ""}, {"X-API-Key", good}}, facturo.CodeInvalidAPIKey},
		{"blank authorization", [][2]string{{"Authorization", "  "}, {"X-API-Key", good}}, facturo.CodeInvalidAPIKey},
		{"bearer without key", [][2]string{{"Authorization", "Bearer "}, {"X-API-Key", good}}, facturo.CodeInvalidAPIKey},
		{"bearer with blank key", [][2]string{{"Authorization", "Bearer    "}, {"X-API-Key", good}}, facturo.CodeInvalidAPIKey},
		{"empty x-api-key", [][2]string{{"X-API-Key", ""}, {"X-Auth-Token", good}}, facturo.CodeInvalidAPIKey},
		{"blank x-auth-token", [][2]string{{"X-Auth-Token", "\t"}, {"Token", good}}, facturo.CodeInvalidAPIKey},
		{"empty token alone", [][2]string{{"Token", ""}}, facturo.CodeInvalidAPIKey},
		{"two authorization headers", [][2]string{{"Authorization", "Bearer " + good}, {"Authorization", "Bearer " + good}}, facturo.CodeInvalidAPIKey},
		{"two x-api-key headers", [][2]string{{"X-API-Key", good}, {"X-Api-Key", "other"}}, facturo.CodeInvalidAPIKey},
	} {
		r := httptest.NewRequest("GET", "/v1/account", nil)
		for _, h := range tc.header {
			r.Header.Add(h[0], h[1])
		}
		got, err := credential(r)
		if err != nil {
			got = facturo.ErrorCode(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
