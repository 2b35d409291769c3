package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// cookie finds a Set-Cookie of an answer.
func cookie(a answer, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Signing in keeps the key in an HttpOnly, SameSite=Strict cookie scoped
// to the dashboard and nowhere else; signing out clears it; a wrong key or
// a key of the wrong kind is refused with the API's message and status.
func TestSignInCookieAndSignOut(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("a@example.com", "Acme")
	v := newVisitor(t, sys)

	if a := v.get("/dashboard/organizations"); a.status != http.StatusSeeOther || a.location != "/dashboard/signin" {
		t.Fatalf("signed out: %d to %q, want 303 to the sign-in page", a.status, a.location)
	}
	bad := v.signIn("fact_user_" + strings.Repeat("x", 24))
	wantStatus(t, "a wrong key", bad, http.StatusUnauthorized)
	if !strings.Contains(bad.body, "Invalid API key provided.") {
		t.Errorf("a wrong key: the page lacks the API's message: %.600s", bad.body)
	}
	var org struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &org)
	wrongKind := v.signIn(org.Secret)
	wantStatus(t, "an organization key", wrongKind, http.StatusUnauthorized)
	if !strings.Contains(wrongKind.body, "needs a user secret key") {
		t.Errorf("an organization key: %.600s", wrongKind.body)
	}

	in := v.signIn(u.Key)
	wantStatus(t, "sign in", in, http.StatusSeeOther)
	c := cookie(in, "facturo_session")
	if c == nil {
		t.Fatal("sign in set no facturo_session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/dashboard" || c.Secure {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q Secure=%v; want HttpOnly, Strict, /dashboard, not Secure over plain http",
			c.HttpOnly, c.SameSite, c.Path, c.Secure)
	}
	orgs := v.get("/dashboard/organizations")
	wantStatus(t, "organizations", orgs, http.StatusOK)
	if !strings.Contains(orgs.body, "Acme") {
		t.Errorf("the organizations page lacks Acme: %.600s", orgs.body)
	}

	out := v.post("/dashboard/signout", url.Values{"csrf": {v.csrf(orgs)}})
	wantStatus(t, "sign out", out, http.StatusSeeOther)
	if c := cookie(out, "facturo_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign out did not delete the session cookie: %+v", c)
	}
	if a := v.get("/dashboard/organizations"); a.status != http.StatusSeeOther {
		t.Errorf("after sign out: %d, want 303 to the sign-in page", a.status)
	}
}

// The session is the key, checked on every request by the API's
// authenticator: a key revoked through the API ends the session at once.
func TestRevokedKeyEndsTheSession(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("r@example.com", "Revoked Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	wantStatus(t, "organizations", v.get("/dashboard/organizations"), http.StatusOK)

	sys.Call("POST", "/v1/users/"+u.ID+"/secret_key/revoke", dashtest.AdminKey, nil, http.StatusOK, nil)
	a := v.get("/dashboard/organizations")
	wantStatus(t, "after revocation", a, http.StatusUnauthorized)
	if !strings.Contains(a.body, "revoked") || !strings.Contains(a.body, `action="/dashboard/signin"`) {
		t.Errorf("after revocation: want the sign-in page saying the key was revoked: %.600s", a.body)
	}
	if c := cookie(a, "facturo_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("the dead session's cookie was not deleted: %+v", c)
	}
}

// A form without the session's token, with a wrong one, or with another
// session's, is refused with 403 before anything runs: nothing is written.
func TestCSRFRefusedAndNothingWritten(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("c@example.com", "Csrf Co")
	other := sys.NewUser("o@example.com", "Other Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	w := newVisitor(t, sys)
	w.mustSignIn(other.Key)
	foreign := w.token()
	own := v.token()
	if foreign == own {
		t.Fatal("two sessions share a form token")
	}
	wrong := "x" + own[1:]
	if wrong == own { // a token that already began with x
		wrong = "y" + own[1:]
	}
	keys := "/dashboard/organizations/" + u.OrgID + "/test/keys"
	before := events(sys, u.OrgID)
	for name, form := range map[string]url.Values{
		"no token":              {"name": {"ci"}, "scopes": {"*"}},
		"empty token":           {"csrf": {""}, "name": {"ci"}, "scopes": {"*"}},
		"wrong token":           {"csrf": {wrong}, "name": {"ci"}, "scopes": {"*"}},
		"another session's one": {"csrf": {foreign}, "name": {"ci"}, "scopes": {"*"}},
	} {
		a := v.post(keys, form)
		if a.status != http.StatusForbidden || !strings.Contains(a.body, "reload the page") {
			t.Errorf("%s: %d, want 403 with the CSRF page: %.300s", name, a.status, a.body)
		}
	}
	if a := v.post("/dashboard/signout", url.Values{}); a.status != http.StatusForbidden {
		t.Errorf("sign out without a token: %d, want 403", a.status)
	}
	if after := events(sys, u.OrgID); after != before {
		t.Errorf("refused forms wrote %d events", after-before)
	}
	if a := v.get("/dashboard/organizations"); a.status != http.StatusOK {
		t.Errorf("the session did not survive refused forms: %d", a.status)
	}
	// The sign-in form is guarded too (by a double-submit token).
	fresh := newVisitor(t, sys)
	if a := fresh.post("/dashboard/signin", url.Values{"key": {u.Key}}); a.status != http.StatusForbidden || cookie(a, "facturo_session") != nil {
		t.Errorf("sign in without the form's token: %d, want 403 and no session", a.status)
	}
	// With the right token the same form works.
	if a := v.post(keys, url.Values{"csrf": {own}, "name": {"ci"}, "scopes": {"*"}}); a.status != http.StatusSeeOther {
		t.Errorf("with the token: %d, want 303: %.300s", a.status, a.body)
	}
}

// Sign-in goes through the API's brute-force throttle: after too many
// wrong keys from one address even the right key is refused for a while
// (429 with Retry-After), and no session is opened. The key is one this
// process has never verified: as in the API, a key already in the
// verified-key cache is not throttled (NewUser's organization would have
// put it there, until an event of it drops it: a race).
func TestSignInLockout(t *testing.T) {
	sys := dashtest.Start(t, nil)
	var u struct {
		Key string `json:"secret_key"`
	}
	sys.Call("POST", "/v1/users", dashtest.AdminKey, map[string]any{"email": "l@example.com", "name": "Lockout"}, http.StatusCreated, &u)
	v := newVisitor(t, sys)
	var last answer
	for i := 0; i < 30; i++ {
		if last = v.signIn("fact_user_" + strings.Repeat("y", 24)); last.status == http.StatusTooManyRequests {
			break
		}
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("30 wrong keys: %d, want 429", last.status)
	}
	right := v.signIn(u.Key)
	if right.status != http.StatusTooManyRequests || right.header.Get("Retry-After") == "" || cookie(right, "facturo_session") != nil {
		t.Errorf("the right key during the lockout: %d Retry-After=%q, want 429 and no session", right.status, right.header.Get("Retry-After"))
	}
	if !strings.Contains(right.body, "Too many failed authentication attempts") {
		t.Errorf("the page does not say why: %.400s", right.body)
	}
}

// The dashboard sits beside the API without changing it: other paths
// still get the API's JSON 404, the OpenAPI document has no dashboard
// route, and dashboard pages get the API's request id.
func TestAPIBesideTheDashboard(t *testing.T) {
	sys := dashtest.Start(t, nil)
	v := newVisitor(t, sys)
	for _, path := range []string{"/dashboards", "/v1/dashboard", "/v1/nothing"} {
		a := v.get(path)
		if a.status != http.StatusNotFound || !strings.Contains(a.body, `"code":"route_not_found"`) {
			t.Errorf("GET %s: %d %.200s, want the API's JSON 404", path, a.status, a.body)
		}
	}
	spec := v.get("/v1/openapi.json")
	if spec.status != http.StatusOK || strings.Contains(spec.body, "/dashboard") {
		t.Errorf("the OpenAPI document (%d) names a dashboard route", spec.status)
	}
	page := v.get("/dashboard/signin")
	if page.header.Get("X-Request-Id") == "" || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Errorf("the sign-in page: X-Request-Id %q, Content-Type %q", page.header.Get("X-Request-Id"), page.header.Get("Content-Type"))
	}
	css := v.get("/dashboard/static/style.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("the stylesheet: %d %q", css.status, css.header.Get("Content-Type"))
	}
	if a := v.get("/dashboard/static/nothing.css"); a.status != http.StatusNotFound {
		t.Errorf("a missing static file: %d", a.status)
	}
}
