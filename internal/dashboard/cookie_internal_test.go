package dashboard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Over TLS every dashboard cookie is Secure as well; over plain HTTP (make
// run on a laptop) it cannot be, or the browser would never send it.
func TestCookiesAreSecureOverTLS(t *testing.T) {
	for _, c := range []struct {
		url    string
		secure bool
	}{{"https://facturo.example/dashboard/signin", true}, {"http://127.0.0.1:8080/dashboard/signin", false}} {
		w := httptest.NewRecorder()
		setCookie(w, httptest.NewRequest("POST", c.url, nil), sessionCookie, "v", time.Hour)
		got := (&http.Response{Header: w.Header()}).Cookies()
		if len(got) != 1 {
			t.Fatalf("%s: cookies %v", c.url, got)
		}
		k := got[0]
		if k.Secure != c.secure || !k.HttpOnly || k.SameSite != http.SameSiteStrictMode || k.Path != Prefix {
			t.Errorf("%s: Secure=%v HttpOnly=%v SameSite=%v Path=%q; want Secure=%v, HttpOnly, Strict, %s",
				c.url, k.Secure, k.HttpOnly, k.SameSite, k.Path, c.secure, Prefix)
		}
	}
}

// A sealed secret opens only for its key id and its session.
func TestRevealIsBoundToKeyAndSession(t *testing.T) {
	a := &session{key: "fact_user_aaaaaaaaaaaaaaaaaaaaaaaa"}
	b := &session{key: "fact_user_bbbbbbbbbbbbbbbbbbbbbbbb"}
	sealed := a.seal("key_1", "fact_test_secret")
	if got, ok := a.open("key_1", sealed); !ok || got != "fact_test_secret" {
		t.Errorf("open: %q %v", got, ok)
	}
	if _, ok := a.open("key_2", sealed); ok {
		t.Error("opened for another key id")
	}
	if _, ok := b.open("key_1", sealed); ok {
		t.Error("opened by another session")
	}
	if _, ok := a.open("key_1", sealed[:len(sealed)-2]+"AA"); ok {
		t.Error("opened a tampered value")
	}
}
