package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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

// Every image a guide shows is served where the page's relative link
// leads, as a PNG.
func TestDocImagesAreServed(t *testing.T) {
	srv := httptest.NewServer(New(Deps{Store: postgres.NewEventStore(&postgres.DB{}, nil)}).Handler())
	defer srv.Close()
	page := get(t, srv.URL+"/docs/dashboard")
	srcs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(srcs) < 8 {
		t.Fatalf("/docs/dashboard shows %d images", len(srcs))
	}
	for _, m := range srcs {
		u, err := url.Parse(srv.URL + "/docs/dashboard")
		if err != nil {
			t.Fatal(err)
		}
		ref, err := u.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(ref.String())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(b), "\x89PNG") {
			t.Errorf("%s (from %s): %d %q", ref, m[1], res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if res, _ := http.Get(srv.URL + "/docs/screenshots/nothing.png"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing image: %d", res.StatusCode)
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
