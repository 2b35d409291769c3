package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/postgres"
)

// Every error's doc_url is a page this server serves, with the code's
// section in it.
func TestDocURLsAreServed(t *testing.T) {
	srv := httptest.NewServer(New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/v1/no-such-route")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct {
			DocURL string `json:"doc_url"`
		} `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := srv.URL + "/docs/errors#route_not_found"; body.Error.DocURL != want {
		t.Fatalf("doc_url %q, want %q", body.Error.DocURL, want)
	}
	page := get(t, strings.TrimSuffix(body.Error.DocURL, "#route_not_found"))
	for _, code := range ErrorCodes() {
		if !strings.Contains(page, `id="`+code+`"`) {
			t.Errorf("/docs/errors has no section %s", code)
		}
	}
	// The guides link to each other as NAME.md.
	if !strings.Contains(get(t, srv.URL+"/docs/keys.md"), "<table>") {
		t.Error("/docs/keys.md is not the rendered keys guide")
	}
	if res, _ := http.Get(srv.URL + "/docs/nothing"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/docs/nothing: %d", res.StatusCode)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return string(b)
}
