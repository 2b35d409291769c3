package dashboard_test

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// receiver is a local webhook receiver counting what it gets.
func receiver(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("webhook-signature") != "" {
			got.Add(1)
		}
		_, _ = io.WriteString(w, "thanks from the receiver")
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

var deliveryLink = regexp.MustCompile(`href="(/dashboard/organizations/[^"]+/deliveries/del_[^"]+)"`)

// An endpoint added in the dashboard is the API's: its signing secret is
// shown once, a ping is really delivered (live mode, local receiver) and
// shows up in the delivery log with its attempt (status, duration, the
// start of the answer), and can be resent.
func TestWebhookEndpointAndDeliveries(t *testing.T) {
	sys := dashtest.Start(t, map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"})
	u := sys.NewUser("w@example.com", "Hooks Co")
	hook, got := receiver(t)
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()
	base := "/dashboard/organizations/" + u.OrgID + "/live/webhooks"

	created := v.post(base, url.Values{"csrf": {tok}, "url": {hook.URL + "/hook"}, "enabled_events": {"*"}, "description": {"local"}})
	wantStatus(t, "add an endpoint", created, http.StatusSeeOther)
	page := v.get(created.location)
	if !strings.Contains(page.body, `<code id="secret">whsec_`) {
		t.Fatalf("the new endpoint's page shows no signing secret: %.600s", page.body)
	}
	if again := v.get(created.location); strings.Contains(again.body, `id="secret"`) {
		t.Errorf("a reload shows the signing secret again")
	}
	wantStatus(t, "ping", v.post(created.location+"/ping", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	var log answer
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		log = v.get(created.location + "?status=succeeded")
		if strings.Contains(log.body, "webhook.ping") || time.Now().After(deadline) {
			break
		}
	}
	m := deliveryLink.FindStringSubmatch(log.body)
	if m == nil || got.Load() == 0 {
		t.Fatalf("no succeeded ping in the delivery log (receiver got %d): %.800s", got.Load(), log.body)
	}
	d := v.get(m[1])
	wantStatus(t, "a delivery", d, http.StatusOK)
	for _, want := range []string{">200", " ms</td>", "thanks from the receiver"} {
		if !strings.Contains(d.body, want) {
			t.Errorf("the delivery page lacks %q: %.800s", want, d.body)
		}
	}
	before := got.Load()
	wantStatus(t, "resend", v.post(m[1]+"/resend", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	for deadline := time.Now().Add(30 * time.Second); got.Load() == before && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if got.Load() == before {
		t.Errorf("resend delivered nothing")
	}
	rotated := v.post(created.location+"/rotate", url.Values{"csrf": {tok}, "grace_period_seconds": {"0"}})
	wantStatus(t, "rotate the secret", rotated, http.StatusSeeOther)
	if p := v.get(rotated.location); !strings.Contains(p.body, `<code id="secret">whsec_`) {
		t.Errorf("rotation shows no new secret")
	}
	wantStatus(t, "disable", v.post(created.location+"/disable", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	refused := v.post(created.location+"/ping", url.Values{"csrf": {tok}})
	if refused.status < 400 || refused.status >= 500 {
		t.Errorf("a ping to a disabled endpoint: %d, want the API's 4xx", refused.status)
	}
}

// A URL the API refuses (an internal address) is refused with the API's
// message and status, and nothing is written; another user's endpoint is
// not found.
func TestWebhookRefusalsAndTenancy(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("x@example.com", "Refused Co")
	b := sys.NewUser("y@example.com", "Other Hooks")
	var bKey struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+b.OrgID+"/api_keys", b.Key, map[string]any{"mode": "test"}, http.StatusCreated, &bKey)
	var bEndpoint struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/webhook_endpoints", bKey.Secret, map[string]any{"url": "https://example.com/h", "enabled_events": []string{"*"}}, http.StatusCreated, &bEndpoint)

	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()
	base := "/dashboard/organizations/" + u.OrgID + "/test/webhooks"
	var uKey struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &uKey)
	before := events(sys, u.OrgID)
	for _, c := range []struct {
		name string
		form url.Values
		api  map[string]any
	}{
		{"internal address", url.Values{"url": {"http://10.1.2.3/hook"}, "enabled_events": {"*"}},
			map[string]any{"url": "http://10.1.2.3/hook", "enabled_events": []string{"*"}}},
		{"no event", url.Values{"url": {"https://example.com/h"}},
			map[string]any{"url": "https://example.com/h", "enabled_events": []string{}}},
		{"star and more", url.Values{"url": {"https://example.com/h"}, "enabled_events": {"*", "key.created"}},
			map[string]any{"url": "https://example.com/h", "enabled_events": []string{"*", "key.created"}}},
	} {
		var refused struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		sys.Call("POST", "/v1/webhook_endpoints", uKey.Secret, c.api, http.StatusBadRequest, &refused)
		c.form.Set("csrf", tok)
		a := v.post(base, c.form)
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, html.EscapeString(refused.Error.Message)) {
			t.Errorf("%s: %d, want 400 with %q: %.600s", c.name, a.status, refused.Error.Message, a.body)
		}
	}
	if after := events(sys, u.OrgID); after != before {
		t.Errorf("refused endpoints wrote %d events", after-before)
	}

	deliveries := func() int {
		return sys.Count(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, bEndpoint.ID)
	}
	// B's own events reach its endpoint through the fan-out a moment after
	// their commit: count once that has settled.
	had := deliveries()
	for deadline, still := time.Now().Add(10*time.Second), 0; still < 5 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if n := deliveries(); n == had {
			still++
		} else {
			had, still = n, 0
		}
	}
	hadEvents := events(sys, b.OrgID)
	for _, org := range []string{u.OrgID, b.OrgID} {
		one := "/dashboard/organizations/" + org + "/test/webhooks/" + bEndpoint.ID
		if a := v.get(one); a.status != http.StatusNotFound || strings.Contains(a.body, "example.com/h") {
			t.Errorf("GET %s: %d, want 404", one, a.status)
		}
		for _, action := range []string{"/ping", "/rotate", "/disable"} {
			if a := v.post(one+action, url.Values{"csrf": {tok}}); a.status != http.StatusNotFound {
				t.Errorf("POST %s%s: %d, want 404", one, action, a.status)
			}
		}
	}
	if deliveries() != had || events(sys, b.OrgID) != hadEvents {
		t.Errorf("A's requests changed B's endpoint")
	}
}

// Edit and recover go through the API's rules: a refused URL shows the
// API's message and changes nothing; a failed delivery of the range is
// queued again and delivered once the receiver is back.
func TestWebhookEditAndRecover(t *testing.T) {
	var up atomic.Bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !up.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "back")
	}))
	t.Cleanup(hook.Close)
	sys := dashtest.Start(t, map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"})
	u := sys.NewUser("r@example.com", "Recover Co")
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	tok := v.token()
	base := "/dashboard/organizations/" + u.OrgID + "/live/webhooks"
	created := v.post(base, url.Values{"csrf": {tok}, "url": {hook.URL + "/a"}, "enabled_events": {"invoice.issued"}})
	wantStatus(t, "add an endpoint", created, http.StatusSeeOther)

	before := events(sys, u.OrgID)
	bad := v.post(created.location+"/edit", url.Values{"csrf": {tok}, "url": {"http://10.9.9.9/x"}, "enabled_events": {"*"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `class="error"`) {
		t.Errorf("edit to an internal address: %d, want 400 with the message", bad.status)
	}
	if events(sys, u.OrgID) != before {
		t.Errorf("a refused edit wrote events")
	}
	edited := v.post(created.location+"/edit", url.Values{"csrf": {tok}, "url": {hook.URL + "/b"}, "description": {"moved"},
		"enabled_events": {"*"}})
	wantStatus(t, "edit", edited, http.StatusSeeOther)
	if p := v.get(created.location); !strings.Contains(p.body, hook.URL+"/b") || !strings.Contains(p.body, "moved") {
		t.Errorf("the edit does not show")
	}

	wantStatus(t, "ping", v.post(created.location+"/ping", url.Values{"csrf": {tok}}), http.StatusSeeOther)
	waitFor(t, func() bool { return strings.Contains(v.get(created.location+"?status=failed").body, "webhook.ping") })
	up.Store(true)
	since := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
	rec := v.post(created.location+"/recover", url.Values{"csrf": {tok}, "since": {since}})
	if rec.status != http.StatusSeeOther || !strings.HasSuffix(rec.location, "?recovered=1") {
		t.Fatalf("recover: %d to %q, want 303 with 1 queued again: %.400s", rec.status, rec.location, rec.body)
	}
	if p := v.get(rec.location); !strings.Contains(p.body, "1 failed deliveries queued again.") {
		t.Errorf("the page does not say what was queued")
	}
	waitFor(t, func() bool { return strings.Contains(v.get(created.location+"?status=succeeded").body, "webhook.ping") })
	noSince := v.post(created.location+"/recover", url.Values{"csrf": {tok}})
	wantStatus(t, "recover without since", noSince, http.StatusBadRequest)
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
