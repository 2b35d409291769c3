package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

var acme = map[string]any{"legal_name": "Acme SA de CV", "tax_id": "AAA010101AAA", "email": "billing@acme.example"}

func TestFirstSliceEndToEnd(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("ana@example.com")

	if !strings.HasPrefix(tk.userKey, "fact_user_") || len(tk.userKey) != len("fact_user_")+24 {
		t.Fatalf("user key %q has the wrong shape", tk.userKey)
	}
	if !strings.HasPrefix(tk.live, "fact_live_") || !strings.HasPrefix(tk.test, "fact_test_") {
		t.Fatalf("org keys %q, %q have the wrong prefixes", tk.live, tk.test)
	}

	c := s.must(201, "POST", "/v1/clients", tk.live, acme)
	cid := c.str("id")
	if !strings.HasPrefix(cid, "cli_") || c.Body["object"] != "client" || c.Body["livemode"] != true || c.str("created_at") == "" {
		t.Fatalf("client answer lacks the conventions: %s", c.Raw)
	}
	// Read-your-writes: the single read folds the stream.
	s.must(200, "GET", "/v1/clients/"+cid, tk.live, nil)
	u := s.must(200, "PATCH", "/v1/clients/"+cid, tk.live, map[string]any{"email": "ap@acme.example"})
	if got := u.str("email"); got != "ap@acme.example" {
		t.Fatalf("patched email = %q", got)
	}
	if got := s.must(200, "GET", "/v1/clients/"+cid, tk.live, nil).str("email"); got != "ap@acme.example" {
		t.Fatalf("read after patch: email = %q", got)
	}

	// The list is a projection: it catches up through relay and runner.
	eventually(t, "client in list", func() bool {
		l := s.must(200, "GET", "/v1/clients", tk.live, nil)
		return len(l.list()) == 1 && l.list()[0]["email"] == "ap@acme.example"
	})

	// Events record every change, with request ids.
	ev := s.must(200, "GET", "/v1/events?type=client.updated", tk.live, nil)
	if len(ev.list()) != 1 {
		t.Fatalf("want one client.updated event, got %s", ev.Raw)
	}
	one := s.must(200, "GET", "/v1/events/"+ev.list()[0]["id"].(string), tk.live, nil)
	if one.str("request", "id") == "" || one.str("type") != "client.updated" {
		t.Fatalf("event lacks type or request id: %s", one.Raw)
	}

	// An id of another kind is not a client.
	pid := s.must(201, "POST", "/v1/products", tk.live, map[string]any{"description": "Hour", "price": "10"}).str("id")
	s.must(404, "GET", "/v1/clients/"+pid, tk.live, nil)
	s.must(404, "PATCH", "/v1/clients/"+pid, tk.live, map[string]any{"email": "x@y.example"})

	s.must(200, "DELETE", "/v1/clients/"+cid, tk.live, nil)
	s.must(404, "GET", "/v1/clients/"+cid, tk.live, nil)
	eventually(t, "deleted client gone from list", func() bool {
		return len(s.must(200, "GET", "/v1/clients", tk.live, nil).list()) == 0
	})
}

func TestTenantsAndModesNeverMix(t *testing.T) {
	s := startSystem(t)
	a := s.newTenant("a@example.com")
	b := s.newTenant("b@example.com")

	live := s.must(201, "POST", "/v1/products", a.live, map[string]any{"description": "Consulting hour", "price": "100.00"}).str("id")
	for _, key := range []string{a.test, b.live, b.test} {
		r := s.must(404, "GET", "/v1/products/"+live, key, nil)
		if r.str("error", "code") != "resource_missing" {
			t.Fatalf("foreign read answered %s", r.Raw)
		}
		s.must(404, "PATCH", "/v1/products/"+live, key, map[string]any{"description": "x"})
		s.must(404, "DELETE", "/v1/products/"+live, key, nil)
	}
	eventually(t, "product listed for its owner", func() bool {
		return len(s.must(200, "GET", "/v1/products", a.live, nil).list()) == 1
	})
	for _, key := range []string{a.test, b.live, b.test} {
		if l := s.must(200, "GET", "/v1/products", key, nil).list(); len(l) != 0 {
			t.Fatalf("foreign list shows %v", l)
		}
		for _, e := range s.must(200, "GET", "/v1/events?limit=100", key, nil).list() {
			if e["organization"] == a.orgID && key != a.test || e["resource"] == live {
				t.Fatalf("foreign event visible: %v", e)
			}
		}
	}
	// Users see only their own organizations.
	s.must(404, "GET", "/v1/organizations/"+a.orgID, b.userKey, nil)
	s.must(404, "GET", "/v1/organizations/"+a.orgID+"/api_keys", b.userKey, nil)
	if l := s.must(200, "GET", "/v1/organizations", b.userKey, nil).list(); len(l) != 1 || l[0]["id"] != b.orgID {
		t.Fatalf("user b lists %v", l)
	}
}

func TestScopesAreEnforced(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("scoped@example.com", "clients:read")
	r := s.must(403, "POST", "/v1/clients", tk.live, acme)
	if r.str("error", "code") != "insufficient_scope" || r.str("error", "type") != "permission_error" {
		t.Fatalf("got %s", r.Raw)
	}
	s.must(200, "GET", "/v1/clients", tk.live, nil)
	s.must(403, "GET", "/v1/products", tk.live, nil)
	bad := s.must(400, "POST", "/v1/organizations/"+tk.orgID+"/api_keys", tk.userKey,
		map[string]any{"mode": "live", "scopes": []string{"clients:fly"}})
	if bad.str("error", "code") != "invalid_scope" || bad.str("error", "param") != "scopes" {
		t.Fatalf("got %s", bad.Raw)
	}
}

func TestRequestConventions(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("conv@example.com")

	cases := []struct {
		name              string
		method, path, key string
		body              any
		status            int
		code, param       string
	}{
		{"malformed json", "POST", "/v1/clients", tk.live, `{"legal_name": `, 400, "invalid_request", ""},
		{"unknown field", "POST", "/v1/clients", tk.live, `{"legal_name":"A","tax_id":"AAA010101AAA","colour":"red"}`, 400, "parameter_invalid", "colour"},
		{"wrong type", "POST", "/v1/clients", tk.live, `{"legal_name": 12}`, 400, "parameter_invalid", "legal_name"},
		{"missing field", "POST", "/v1/clients", tk.live, `{"tax_id":"AAA010101AAA"}`, 400, "parameter_missing", "legal_name"},
		{"too large", "POST", "/v1/clients", tk.live, `{"legal_name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "body_too_large", ""},
		{"unknown route", "GET", "/v1/nothing", tk.live, nil, 404, "route_not_found", ""},
		{"wrong method", "PUT", "/v1/clients", tk.live, nil, 405, "method_not_allowed", ""},
		{"no key", "GET", "/v1/clients", "", nil, 401, "missing_api_key", ""},
		{"bad key", "GET", "/v1/clients", "fact_live_notakey", nil, 401, "invalid_api_key", ""},
		{"user key on org route", "GET", "/v1/clients", tk.userKey, nil, 401, "invalid_api_key", ""},
		{"bad limit", "GET", "/v1/clients?limit=101", tk.live, nil, 400, "parameter_invalid", "limit"},
		{"key in query", "GET", "/v1/clients?api_key=" + tk.live, "", nil, 400, "api_key_in_query", "api_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.call(c.method, c.path, c.key, c.body)
			e, _ := r.Body["error"].(map[string]any)
			if r.Status != c.status || e["code"] != c.code || (c.param != "" && e["param"] != c.param) {
				t.Fatalf("got %d %s, want %d %s param %q", r.Status, r.Raw, c.status, c.code, c.param)
			}
			rid := r.Header.Get("X-Request-Id")
			if !strings.HasPrefix(rid, "req_") || e["request_id"] != rid || e["doc_url"] == "" || e["type"] == "" {
				t.Fatalf("envelope or X-Request-Id wrong: %q %s", rid, r.Raw)
			}
		})
	}
	// Nothing was written by any of the failures.
	if l := s.must(200, "GET", "/v1/events?type=client.created", tk.live, nil).list(); len(l) != 0 {
		t.Fatalf("failed requests wrote events: %v", l)
	}
	s.must(200, "GET", "/healthz", "", nil)
	s.must(200, "GET", "/readyz", "", nil)
}

func TestIdempotencyKeys(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("idem@example.com")
	first := s.must(201, "POST", "/v1/clients", tk.live, acme, "Idempotency-Key", "k1")
	again := s.must(201, "POST", "/v1/clients", tk.live, acme, "Idempotency-Key", "k1")
	if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Raw) != string(first.Raw) {
		t.Fatalf("replay differs:\n%s\n%s", first.Raw, again.Raw)
	}
	other := map[string]any{"legal_name": "Other", "tax_id": "BBB010101BBB"}
	r := s.must(409, "POST", "/v1/clients", tk.live, other, "Idempotency-Key", "k1")
	if r.str("error", "code") != "idempotency_key_reused" {
		t.Fatalf("got %s", r.Raw)
	}
	// The same key in the other mode is another caller's key.
	s.must(201, "POST", "/v1/clients", tk.test, acme, "Idempotency-Key", "k1")
	if l := s.must(200, "GET", "/v1/events?type=client.created", tk.live, nil).list(); len(l) != 1 {
		t.Fatalf("want exactly one client created in live mode, got %d", len(l))
	}
	// A failed request is recorded too and replays as such.
	bad := s.must(400, "POST", "/v1/clients", tk.live, map[string]any{"tax_id": "X"}, "Idempotency-Key", "k2")
	rep := s.must(400, "POST", "/v1/clients", tk.live, map[string]any{"tax_id": "X"}, "Idempotency-Key", "k2")
	if string(bad.Raw) != string(rep.Raw) {
		t.Fatalf("replayed error differs")
	}
}

func TestConcurrentWritersConflictInsteadOfLosingUpdates(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("race@example.com")
	cid := s.must(201, "POST", "/v1/clients", tk.live, acme).str("id")
	s.must(200, "GET", "/v1/clients/"+cid, tk.live, nil) // warm the key cache

	const writers = 8
	statuses := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.call("PATCH", "/v1/clients/"+cid, tk.live, map[string]any{"phone": fmt.Sprintf("55 0000 %04d", i)})
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Fatalf("unexpected status %d in %v", st, statuses)
		}
	}
	// Every acknowledged update is an event: none was lost.
	updates := s.must(200, "GET", "/v1/events?type=client.updated&limit=100", tk.live, nil).list()
	if ok == 0 || len(updates) != ok {
		t.Fatalf("%d writers succeeded but %d update events exist (%v)", ok, len(updates), statuses)
	}
}
