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
	had, hadEvents := deliveries(), events(sys, b.OrgID)
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
