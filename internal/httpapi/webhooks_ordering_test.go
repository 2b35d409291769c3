package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestWebhookEndpointOrderingAndRateLimit: ordering and rate_limit are
// set on creation, shown in the endpoint, changed (and the limit removed
// with 0) by an update; values out of range are a 400 on the field that
// creates or changes nothing.
func TestWebhookEndpointOrderingAndRateLimit(t *testing.T) {
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("ordering@example.com")
	_, key := s.newKey(tn, map[string]any{"mode": "test"})
	base := func(extra map[string]any) map[string]any {
		b := map[string]any{"url": "https://example.com/hook", "enabled_events": []string{"*"}}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	for _, bad := range []struct {
		body  map[string]any
		param string
	}{
		{map[string]any{"ordering": "lifo"}, "ordering"},
		{map[string]any{"rate_limit": 0}, "rate_limit"},
		{map[string]any{"rate_limit": 10001}, "rate_limit"},
		{map[string]any{"rate_limit": 1.5}, "rate_limit"},
	} {
		r := s.do(ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: key, Body: base(bad.body)})
		e, _ := r.Body["error"].(map[string]any)
		if r.Status != 400 || e["param"] != bad.param {
			t.Errorf("create with %v: %d %s, want 400 on %s", bad.body, r.Status, r.Raw, bad.param)
		}
	}
	if l := s.must(200, ktReq{Method: "GET", Path: "/v1/webhook_endpoints", Key: key}); strings.Contains(string(l.Raw), "we_") {
		t.Fatalf("a refused creation created an endpoint: %s", l.Raw)
	}

	plain := s.must(201, ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: key, Body: base(nil)})
	if plain.str("ordering") != "parallel" || plain.Body["rate_limit"] != nil {
		t.Errorf("defaults: %s", plain.Raw)
	}
	r := s.must(201, ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: key,
		Body: base(map[string]any{"ordering": "fifo", "rate_limit": 25})})
	path := "/v1/webhook_endpoints/" + r.str("id")
	if g := s.must(200, ktReq{Method: "GET", Path: path, Key: key}); g.str("ordering") != "fifo" || fmt.Sprint(g.Body["rate_limit"]) != "25" {
		t.Fatalf("retrieve: %s", g.Raw)
	}
	for _, bad := range []map[string]any{{"ordering": "random"}, {"rate_limit": -1}, {"rate_limit": 10001}} {
		if u := s.do(ktReq{Method: "PATCH", Path: path, Key: key, Body: bad}); u.Status != 400 {
			t.Errorf("update with %v: %d %s", bad, u.Status, u.Raw)
		}
	}
	u := s.must(200, ktReq{Method: "PATCH", Path: path, Key: key, Body: map[string]any{"ordering": "parallel", "rate_limit": 0}})
	if u.str("ordering") != "parallel" || u.Body["rate_limit"] != nil {
		t.Errorf("update: %s", u.Raw)
	}
	u = s.must(200, ktReq{Method: "PATCH", Path: path, Key: key, Body: map[string]any{"rate_limit": 3}})
	if fmt.Sprint(u.Body["rate_limit"]) != "3" || u.str("ordering") != "parallel" {
		t.Errorf("update: %s", u.Raw)
	}
}
