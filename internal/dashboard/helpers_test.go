package dashboard_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// visitor is a browser without a browser: a cookie jar, redirects not
// followed (each answer is checked), every page it saw kept.
type visitor struct {
	t     *testing.T
	sys   *dashtest.System
	hc    *http.Client
	pages []string // every body and Location header received
}

func newVisitor(t *testing.T, sys *dashtest.System) *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{t: t, sys: sys, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is one response with its body.
type answer struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (v *visitor) do(req *http.Request) answer {
	v.t.Helper()
	resp, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location"), header: resp.Header}
	v.pages = append(v.pages, a.body, a.location)
	return a
}

func (v *visitor) get(path string) answer {
	v.t.Helper()
	req, err := http.NewRequest("GET", v.sys.Base+path, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	return v.do(req)
}

func (v *visitor) post(path string, form url.Values) answer {
	v.t.Helper()
	req, err := http.NewRequest("POST", v.sys.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of a page.
func (v *visitor) csrf(page answer) string {
	v.t.Helper()
	m := csrfInput.FindStringSubmatch(page.body)
	if m == nil {
		v.t.Fatalf("no csrf token in the page (%d): %.400s", page.status, page.body)
	}
	return m[1]
}

// signIn signs in with key through the sign-in form.
func (v *visitor) signIn(key string) answer {
	v.t.Helper()
	page := v.get("/dashboard/signin")
	return v.post("/dashboard/signin", url.Values{"csrf": {v.csrf(page)}, "key": {key}})
}

// mustSignIn signs in and checks it worked.
func (v *visitor) mustSignIn(key string) {
	v.t.Helper()
	if a := v.signIn(key); a.status != http.StatusSeeOther || a.location != "/dashboard/organizations" {
		v.t.Fatalf("sign in: %d to %q: %.400s", a.status, a.location, a.body)
	}
}

// token is the session's form token, read from the organizations page.
func (v *visitor) token() string {
	v.t.Helper()
	return v.csrf(v.get("/dashboard/organizations"))
}

var secretPattern = regexp.MustCompile(`<code id="secret">(fact_(?:test|live)_[A-Za-z0-9_]+)</code>`)

// secret is the new key secret a page shows, "" when none.
func secret(page answer) string {
	m := secretPattern.FindStringSubmatch(page.body)
	if m == nil {
		return ""
	}
	return m[1]
}

func wantStatus(t *testing.T, what string, a answer, want int) {
	t.Helper()
	if a.status != want {
		t.Fatalf("%s: status %d, want %d: %.600s", what, a.status, want, a.body)
	}
}

// events counts an organization's events: a refused action appends none.
func events(sys *dashtest.System, orgID string) int {
	return sys.Count(`SELECT count(*) FROM events WHERE org_id = $1`, orgID)
}

var eventLink = regexp.MustCompile(`href="(/dashboard/organizations/[^"]+/events/evt_[^"]+)"`)
