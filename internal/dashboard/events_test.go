package dashboard_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

var eventRow = regexp.MustCompile(`/events/(evt_[0-9A-Z]+)"`)

// The events log is the tenant's, of the page's mode, newest first,
// filtered by type, paginated both ways; each event's page shows the JSON
// GET /v1/events/{id} answers.
func TestEventsFilterPagesAndJSON(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("e@example.com", "Events Co")
	var ids []string
	for range 22 {
		var k struct {
			ID string `json:"id"`
		}
		sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &k)
		ids = append(ids, k.ID)
	}
	for _, id := range ids[:2] {
		sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys/"+id+"/revoke", u.Key, nil, http.StatusOK, nil)
	}
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test/events"

	revoked := v.get(base + "?type=key.revoked")
	wantStatus(t, "filtered", revoked, http.StatusOK)
	if got := eventRow.FindAllStringSubmatch(revoked.body, -1); len(got) != 2 || strings.Contains(revoked.body, "<code>key.created</code>") {
		t.Errorf("type=key.revoked shows %d events (or others), want the 2 revocations", len(got))
	}
	first := v.get(base)
	page1 := eventRow.FindAllStringSubmatch(first.body, -1)
	if len(page1) != 20 || !strings.Contains(first.body, "Older →") || strings.Contains(first.body, "← Newer") {
		t.Fatalf("first page: %d events, want 20 and a link to older ones only", len(page1))
	}
	older := regexp.MustCompile(`href="\?starting_after=(evt_[0-9A-Z]+)"`).FindStringSubmatch(first.body)
	if older == nil || older[1] != page1[19][1] {
		t.Fatalf("the older link does not start after the page's last event")
	}
	second := v.get(base + "?starting_after=" + older[1])
	page2 := eventRow.FindAllStringSubmatch(second.body, -1)
	if len(page2) != 4 || !strings.Contains(second.body, "← Newer") { // 22 created + 2 revoked = 24
		t.Errorf("second page: %d events, want the 4 left and a link back", len(page2))
	}
	if live := v.get("/dashboard/organizations/" + u.OrgID + "/live/events"); strings.Contains(live.body, page1[0][1]) {
		t.Errorf("the live log shows a test event")
	}

	one := v.get(base + "/" + page1[0][1])
	wantStatus(t, "an event", one, http.StatusOK)
	var api json.RawMessage
	var org struct {
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test", "scopes": []string{"events:read"}}, http.StatusCreated, &org)
	sys.Call("GET", "/v1/events/"+page1[0][1], org.Secret, nil, http.StatusOK, &api)
	var want, got any
	_ = json.Unmarshal(api, &want)
	body := regexp.MustCompile(`(?s)<pre id="event-json" class="json">(.*?)</pre>`).FindStringSubmatch(one.body)
	if body == nil {
		t.Fatalf("the event page has no JSON: %.600s", one.body)
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(body[1])), &got); err != nil {
		t.Fatalf("the event page's JSON: %v", err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("the page's JSON differs from GET /v1/events/{id}:\n%s\n%s", a, b)
	}
	wantStatus(t, "a missing event", v.get(base+"/evt_01M8NAAYJ918DDN5PFGGTQ8T3K"), http.StatusNotFound)
	wantStatus(t, "a garbled id", v.get(base+"/nope"), http.StatusNotFound)
}
