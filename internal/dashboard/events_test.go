package dashboard_test

import (
	"encoding/json"
	"fmt"
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

// The events log filters by resource and by time as GET /v1/events does,
// its page links keep every filter, and a time it cannot read is refused
// with the API's message.
func TestEventsFilterByResourceAndTime(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("er@example.com", "Resources Co")
	var keys []string
	for range 23 {
		var k struct {
			ID string `json:"id"`
		}
		sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test"}, http.StatusCreated, &k)
		keys = append(keys, k.ID)
	}
	for i := range 21 { // 22 events of one key: two pages
		sys.Call("PATCH", "/v1/organizations/"+u.OrgID+"/api_keys/"+keys[0], u.Key, map[string]any{"name": fmt.Sprint("renamed ", i)}, http.StatusOK, nil)
	}
	v := newVisitor(t, sys)
	v.mustSignIn(u.Key)
	base := "/dashboard/organizations/" + u.OrgID + "/test/events"

	first := v.get(base + "?resource=" + keys[0] + "&from=2000-01-01T00:00")
	wantStatus(t, "by resource", first, http.StatusOK)
	if n := strings.Count(first.body, `<a href="?resource=`+keys[0]+`"`); n != 20 {
		t.Errorf("resource=%s shows %d of its events on the first page, want 20", keys[0], n)
	}
	if strings.Contains(first.body, keys[1]) {
		t.Errorf("resource=%s shows another key's event", keys[0])
	}
	older := regexp.MustCompile(`href="\?([^"]*)starting_after=(evt_[0-9A-Z]+)"`).FindStringSubmatch(first.body)
	if older == nil || html.UnescapeString(older[1]) != "from=2000-01-01T00%3A00&resource="+keys[0]+"&" {
		t.Fatalf("the older link does not keep the filters: %v", older)
	}
	second := v.get(base + "?" + html.UnescapeString(older[1]) + "starting_after=" + older[2])
	if n := len(eventRow.FindAllStringSubmatch(second.body, -1)); n != 2 || strings.Contains(second.body, keys[1]) {
		t.Errorf("second page of resource=%s: %d events, want its 2 left", keys[0], n)
	}
	if none := v.get(base + "?to=2000-01-01T00:00"); len(eventRow.FindAllStringSubmatch(none.body, -1)) != 0 ||
		!strings.Contains(none.body, "in that time range") {
		t.Errorf("to=2000: shows events, or not why there are none")
	}
	bad := v.get(base + "?from=yesterday")
	wantStatus(t, "an unreadable time", bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, "from must be a date and time") {
		t.Errorf("an unreadable time: %.400s", bad.body)
	}
}
