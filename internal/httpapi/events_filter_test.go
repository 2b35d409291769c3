package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// GET /v1/events narrows the log by resource and by creation time, as the
// document lists do, and refuses a time it cannot read.
func TestEventsFilterByResourceAndTime(t *testing.T) {
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("events-filter@example.com")
	_, key := s.newKey(tn, map[string]any{"mode": "test"})
	client := func(name string) string {
		return s.must(201, ktReq{Method: "POST", Path: "/v1/clients", Key: key,
			Body: map[string]any{"legal_name": name, "tax_id": "AAA010101AAA"}}).str("id")
	}
	first, second := client("First"), client("Second")
	s.must(200, ktReq{Method: "PATCH", Path: "/v1/clients/" + first, Key: key, Body: map[string]any{"legal_name": "First SA"}})

	resources := func(query string) []string {
		t.Helper()
		r := s.must(200, ktReq{Method: "GET", Path: "/v1/events?" + query, Key: key})
		var out []string
		for _, e := range r.Body["data"].([]any) {
			out = append(out, e.(map[string]any)["resource"].(string)+" "+e.(map[string]any)["type"].(string))
		}
		return out
	}
	if got := resources("resource=" + first); strings.Join(got, ",") != first+" client.updated,"+first+" client.created" {
		t.Errorf("resource=%s: %v", first, got)
	}
	if got := resources("resource=" + second + "&type=client.updated"); len(got) != 0 {
		t.Errorf("resource and type: %v", got)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	past := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if got := resources("created[gte]=" + future); len(got) != 0 {
		t.Errorf("created[gte] in an hour: %v", got)
	}
	if got := resources("created[lte]=" + past); len(got) != 0 {
		t.Errorf("created[lte] an hour ago: %v", got)
	}
	if got := resources("created[gte]=" + past + "&created[lte]=" + future); len(got) != 4 { // the key, two clients, one update
		t.Errorf("the last two hours: %v", got)
	}
	r := s.must(400, ktReq{Method: "GET", Path: "/v1/events?created[gte]=yesterday", Key: key})
	if r.errorCode() != "parameter_invalid" || !strings.Contains(string(r.Raw), `"param":"created[gte]"`) {
		t.Errorf("unreadable time: %s", r.Raw)
	}
}
