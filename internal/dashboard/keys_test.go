package dashboard_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// A key made in the dashboard is the API's key: its secret is shown once
// (a reload shows it no more) and works; rotate shows a new one and keeps
// the old for its grace; disable, enable and revoke take effect at once.
func TestKeyLifecycle(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("k@example.com", "Keys Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test/keys"
	tok := v.token()

	created := v.post(base, url.Values{"csrf": {tok}, "name": {"billing"}, "scopes": {"events:read", "account:read"},
		"expires_at": {"2099-01-02T03:04"}, "ip_allowlist": {"127.0.0.1\n10.0.0.0/8"}})
	wantStatus(t, "create", created, http.StatusSeeOther)
	page := v.get(created.location)
	wantStatus(t, "the new key's page", page, http.StatusOK)
	first := secret(page)
	if !strings.HasPrefix(first, "fact_test_") {
		t.Fatalf("the new key's page shows no secret: %.800s", page.body)
	}
	for _, want := range []string{"billing", "events:read", "account:read", "127.0.0.1, 10.0.0.0/8", "2099-01-02 03:04:00 UTC"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the key page lacks %q", want)
		}
	}
	if again := v.get(created.location); secret(again) != "" || strings.Contains(again.body, first) {
		t.Errorf("a reload shows the secret again")
	}
	sys.Call("GET", "/v1/account", first, nil, http.StatusOK, nil)
	sys.Call("GET", "/v1/invoices", first, nil, http.StatusForbidden, nil) // the scopes picked, no more

	rotated := v.post(created.location+"/rotate", url.Values{"csrf": {tok}, "grace_period_seconds": {"3600"}})
	wantStatus(t, "rotate", rotated, http.StatusSeeOther)
	second := secret(v.get(rotated.location))
	if second == "" || second == first {
		t.Fatalf("rotate showed no new secret")
	}
	sys.Call("GET", "/v1/account", second, nil, http.StatusOK, nil)
	sys.Call("GET", "/v1/account", first, nil, http.StatusOK, nil) // within its grace

	wantStatus(t, "disable", v.post(created.location+"/disable", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	sys.Call("GET", "/v1/account", second, nil, http.StatusUnauthorized, nil)
	if p := v.get(created.location); !strings.Contains(p.body, ">disabled<") {
		t.Errorf("the page does not show the key disabled")
	}
	wantStatus(t, "enable", v.post(created.location+"/enable", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	sys.Call("GET", "/v1/account", second, nil, http.StatusOK, nil)

	wantStatus(t, "revoke", v.post(created.location+"/revoke", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	sys.Call("GET", "/v1/account", second, nil, http.StatusUnauthorized, nil)
	if p := v.get(created.location); !strings.Contains(p.body, ">revoked<") || strings.Contains(p.body, "/rotate") {
		t.Errorf("a revoked key's page shows no revocation, or still offers to rotate")
	}
	bySource := sys.Count(`SELECT count(*) FROM events WHERE org_id = $1 AND metadata->>'source' = 'dashboard' AND metadata->>'user_id' = $2`, u.OrgID, u.ID)
	if bySource != 5 { // created, rotated, disabled, enabled, revoked
		t.Errorf("%d events record the dashboard as their source, want 5", bySource)
	}
	audit := v.get("/dashboard/organizations/" + u.OrgID + "/test/audit")
	for _, action := range []string{"key.created", "key.rotated", "key.revoked"} {
		if !strings.Contains(audit.body, action) {
			t.Errorf("the audit log lacks %s", action)
		}
	}
	// A key of test mode is not found under live.
	live := strings.Replace(created.location, "/test/", "/live/", 1)
	wantStatus(t, "the test key under live", v.get(live), http.StatusNotFound)
}

// Bad input is refused by the API's own decoder and rules, with the API's
// status and message in the page, the form kept, and nothing written.
func TestBadKeyInputShowsTheAPIMessage(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("b@example.com", "Bad Input Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test/keys"
	tok := v.token()
	cases := []struct {
		name string
		form url.Values
		api  map[string]any
	}{
		{"allowlist", url.Values{"ip_allowlist": {"not-an-address"}, "scopes": {"*"}},
			map[string]any{"mode": "test", "ip_allowlist": []string{"not-an-address"}, "scopes": []string{"*"}}},
		{"past expiry", url.Values{"expires_at": {"2001-01-01T00:00"}, "scopes": {"*"}},
			map[string]any{"mode": "test", "expires_at": "2001-01-01T00:00:00Z", "scopes": []string{"*"}}},
		{"long name", url.Values{"name": {strings.Repeat("n", 101)}, "scopes": {"*"}},
			map[string]any{"mode": "test", "name": strings.Repeat("n", 101), "scopes": []string{"*"}}},
		{"garbled expiry", url.Values{"expires_at": {"tomorrow"}, "scopes": {"*"}},
			map[string]any{"mode": "test", "expires_at": "tomorrow", "scopes": []string{"*"}}},
	}
	before := events(sys, u.OrgID)
	for _, c := range cases {
		var refused struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, c.api, http.StatusBadRequest, &refused)
		c.form.Set("csrf", tok)
		a := v.post(base, c.form)
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want the API's 400", c.name, a.status)
		}
		if !strings.Contains(a.body, html.EscapeString(refused.Error.Message)) {
			t.Errorf("%s: the page lacks the API's message %q: %.600s", c.name, refused.Error.Message, a.body)
		}
		if f := c.form.Get("name"); f != "" && !strings.Contains(a.body, `value="`+f+`"`) {
			t.Errorf("%s: the form lost its name", c.name)
		}
	}
	if after := events(sys, u.OrgID); after != before {
		t.Errorf("refused input wrote %d events", after-before)
	}
	grace := v.post(base+"/key_00000000000000000000000000/rotate", url.Values{"csrf": {tok}, "grace_period_seconds": {"x"}})
	wantStatus(t, "rotate of a key that is not there", grace, http.StatusNotFound)
}

// A user cannot see or act on another user's organization, keys or events
// by editing the URL: 404, as in the API, and nothing written.
func TestCrossTenantIsNotFound(t *testing.T) {
	sys := dashtest.Start(t, nil)
	a := sys.NewUser("a@example.com", "Alpha")
	b := sys.NewUser("b@example.com", "Bravo")
	var bKey struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+b.OrgID+"/api_keys", b.Key, map[string]any{"mode": "test"}, http.StatusCreated, &bKey)
	var bEvents struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	sys.Call("GET", "/v1/events", bKey.Secret, nil, http.StatusOK, &bEvents)

	v := newVisitor(t, sys)
	v.mustSignIn(a.Key)
	tok := v.token()
	if orgs := v.get("/dashboard/organizations"); strings.Contains(orgs.body, "Bravo") || strings.Contains(orgs.body, b.OrgID) {
		t.Errorf("A's organizations page shows B's organization")
	}
	bOrg := "/dashboard/organizations/" + b.OrgID
	aOrg := "/dashboard/organizations/" + a.OrgID
	gets := []string{bOrg, bOrg + "/test/keys", bOrg + "/live/keys", bOrg + "/test/keys/" + bKey.ID, bOrg + "/test/events",
		bOrg + "/test/audit", aOrg + "/test/keys/" + bKey.ID}
	if len(bEvents.Data) > 0 {
		gets = append(gets, bOrg+"/test/events/"+bEvents.Data[0].ID, aOrg+"/test/events/"+bEvents.Data[0].ID)
	}
	for _, path := range gets {
		if got := v.get(path); got.status != http.StatusNotFound || strings.Contains(got.body, "Bravo") || strings.Contains(got.body, bKey.ID+"</code>") {
			t.Errorf("GET %s: %d, want 404 showing nothing of B", path, got.status)
		}
	}
	before := events(sys, b.OrgID)
	posts := []string{bOrg + "/test/keys", bOrg + "/test/keys/" + bKey.ID + "/revoke", bOrg + "/test/keys/" + bKey.ID + "/rotate",
		bOrg + "/test/keys/" + bKey.ID + "/disable", aOrg + "/test/keys/" + bKey.ID + "/revoke", aOrg + "/test/keys/" + bKey.ID + "/disable"}
	for _, path := range posts {
		if got := v.post(path, url.Values{"csrf": {tok}, "scopes": {"*"}}); got.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, got.status)
		}
	}
	if after := events(sys, b.OrgID); after != before {
		t.Errorf("A's requests wrote %d events to B's organization", after-before)
	}
	sys.Call("GET", "/v1/account", bKey.Secret, nil, http.StatusOK, nil) // B's key untouched
}

// The session key appears in no page, no redirect and no URL the
// dashboard writes, whatever page is visited.
func TestSessionKeyNeverInAPage(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("h@example.com", "Hidden Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test"
	tok := v.token()
	created := v.post(base+"/keys", url.Values{"csrf": {tok}, "name": {"ci"}, "scopes": {"*"}})
	v.get(created.location)
	v.post(base+"/keys", url.Values{"csrf": {tok}, "ip_allowlist": {"nope"}}) // an error page
	list := v.get(base + "/events")
	for path, want := range map[string]int{"/dashboard": http.StatusSeeOther, "/dashboard/organizations": http.StatusOK,
		base + "/keys": http.StatusOK, created.location: http.StatusOK, base + "/audit": http.StatusOK,
		"/dashboard/organizations/" + u.OrgID + "/live/keys": http.StatusOK, base + "/nope": http.StatusNotFound,
		"/dashboard/signin": http.StatusSeeOther, "/dashboard/organizations/" + u.OrgID: http.StatusSeeOther} {
		wantStatus(t, path, v.get(path), want)
	}
	if m := eventLink.FindStringSubmatch(list.body); m != nil {
		v.get(m[1])
	}
	// The key's secret part, not just its public prefix.
	secretPart := u.Key[len("fact_user_"):]
	for i, p := range v.pages {
		if strings.Contains(p, secretPart) {
			t.Errorf("answer %d holds the session key: %.300s", i, p)
		}
	}
	if len(v.pages) < 20 {
		t.Errorf("only %d answers checked", len(v.pages))
	}
}
