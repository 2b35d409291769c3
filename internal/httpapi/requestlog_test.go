package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/postgres"
)

// Probes succeed every few seconds; only what a person wants to read is
// logged at Info.
func TestProbesAreNotLoggedAtInfo(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil), Log: log})
	for _, path := range []string{"/healthz", "/v1/no-such-route"} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	got := buf.String()
	if strings.Contains(got, "path=/healthz") {
		t.Errorf("a successful /healthz was logged at Info:\n%s", got)
	}
	if !strings.Contains(got, "path=/v1/no-such-route") {
		t.Errorf("a 404 was not logged at Info:\n%s", got)
	}
}

// A quote's public link is a credential: the request log never holds its
// token, whatever the answer.
func TestPublicLinkTokensAreNotLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil), Log: log})
	for _, path := range []string{"/public/quotes/SECRETTOKEN", "/public/quotes/SECRETTOKEN/accept"} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, path, nil))
	}
	got := buf.String()
	if strings.Contains(got, "SECRETTOKEN") || !strings.Contains(got, "path=/public/quotes/{token}/accept") {
		t.Errorf("the request log:\n%s", got)
	}
}
