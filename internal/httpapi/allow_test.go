package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/facturo/facturo/internal/postgres"
)

// Every 405 names the methods its path takes (RFC 9110, section 15.5.6).
func TestMethodNotAllowedCarriesAllow(t *testing.T) {
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)})
	cases := []struct{ method, path, want string }{
		{"PUT", "/v1/clients", "GET, POST"},
		{"POST", "/v1/clients/cli_01J0000000000000000000000A", "GET, PATCH, DELETE"},
		{"DELETE", "/healthz", "GET"},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != c.want {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", c.method, c.path, w.Code, w.Header().Get("Allow"), c.want)
		}
	}
}
