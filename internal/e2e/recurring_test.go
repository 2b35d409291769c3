package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
)

func recurringBody(client, product string, extra map[string]any) map[string]any {
	body := map[string]any{"invoice": map[string]any{"client": client, "items": []any{item(product, "1")}, "payment_form": "03"}}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

// A recurring invoice through the API: refused inputs, the schedule's
// preview (day 31 through February), pause and resume, generate now, the
// worker making the due period's invoice, and test-mode isolation.
func TestRecurringInvoices(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) { c.RecurringEvery = 100 * time.Millisecond })
	tk := s.newTenant("recurring@example.com")
	key := tk.test
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	pid := s.must(201, "POST", "/v1/products", key, product("100.00", false)).str("id")

	for _, bad := range []struct {
		extra       map[string]any
		code, param string
	}{
		{map[string]any{"interval": "hourly"}, "parameter_invalid", "interval"},
		{map[string]any{"interval": "weekly", "day_of_month": 3}, "parameter_invalid", "day_of_month"},
		{map[string]any{"interval": "daily", "send": true}, "parameter_invalid", "send"},
		{map[string]any{"interval": "daily", "count": 0}, "parameter_invalid", "count"},
		{map[string]any{"interval": "daily", "start_at": "2030-01-02T00:00:00Z", "end_at": "2030-01-01T00:00:00Z"}, "parameter_invalid", "end_at"},
	} {
		r := s.call("POST", "/v1/recurring_invoices", key, recurringBody(cid, pid, bad.extra))
		if r.Status != 400 || r.str("error", "code") != bad.code || r.str("error", "param") != bad.param {
			t.Errorf("%v answered %d %s, want 400 %s on %s", bad.extra, r.Status, r.Raw, bad.code, bad.param)
		}
	}
	unknown := recurringBody("cli_01J9ZQ7V3K8M2N4P6R8S0T1W3X", pid, map[string]any{"interval": "daily"})
	if r := s.call("POST", "/v1/recurring_invoices", key, unknown); r.str("error", "code") != "resource_missing" || r.str("error", "param") != "invoice.client" {
		t.Errorf("unknown client answered %d %s", r.Status, r.Raw)
	}

	monthly := s.must(201, "POST", "/v1/recurring_invoices", key, recurringBody(cid, pid, map[string]any{
		"interval": "monthly", "day_of_month": 31, "start_at": "2030-01-15T09:00:00Z", "count": 3, "issue": true}))
	mid := monthly.str("id")
	if monthly.str("status") != "active" || monthly.str("next_run_at") != "2030-01-31T09:00:00Z" || monthly.str("client") != cid {
		t.Fatalf("created %s", monthly.Raw)
	}
	preview := s.must(200, "GET", "/v1/recurring_invoices/"+mid+"/preview?count=5", key, nil)
	want := []any{"2030-01-31T09:00:00Z", "2030-02-28T09:00:00Z", "2030-03-31T09:00:00Z"}
	if got := preview.Body["dates"].([]any); !slices.Equal(got, want) {
		t.Fatalf("preview %v, want %v (count 3 ends it)", got, want)
	}
	if r := s.call("GET", "/v1/recurring_invoices/"+mid+"/preview?count=0", key, nil); r.Status != 400 || r.str("error", "param") != "count" {
		t.Fatalf("count=0 answered %d %s", r.Status, r.Raw)
	}

	paused := s.must(200, "POST", "/v1/recurring_invoices/"+mid+"/pause", key, nil)
	if paused.str("status") != "paused" || paused.Body["next_run_at"] != nil {
		t.Fatalf("paused %s", paused.Raw)
	}
	if r := s.must(409, "POST", "/v1/recurring_invoices/"+mid+"/pause", key, nil); r.str("error", "code") != "invalid_state" {
		t.Fatalf("second pause %s", r.Raw)
	}
	eventually(t, "the paused template in the list filtered by status", func() bool {
		l := s.must(200, "GET", "/v1/recurring_invoices?status=paused", key, nil).list()
		return len(l) == 1 && l[0]["id"] == mid
	})
	if r := s.must(200, "POST", "/v1/recurring_invoices/"+mid+"/resume", key, nil); r.str("next_run_at") != "2030-01-31T09:00:00Z" {
		t.Fatalf("resumed %s", r.Raw)
	}
	if r := s.must(200, "GET", "/v1/recurring_invoices/"+mid+"?as_of="+paused.str("updated_at"), key, nil); r.str("status") != "paused" {
		t.Fatalf("as of the pause: %s", r.Raw)
	}

	inv := s.must(201, "POST", "/v1/recurring_invoices/"+mid+"/generate", key, nil)
	if inv.str("recurring_invoice") != mid || inv.str("status") != "valid" || inv.str("total") != "116.00" {
		t.Fatalf("generated now %s", inv.Raw)
	}
	after := s.must(200, "GET", "/v1/recurring_invoices/"+mid, key, nil)
	if after.str("next_run_at") != "2030-01-31T09:00:00Z" || after.Body["invoices_generated"] != float64(1) || after.str("last_invoice") != inv.str("id") {
		t.Fatalf("generate now moved the schedule: %s", after.Raw)
	}
	types := s.historyTypes("recurring_invoices", mid, key)
	if !slices.Equal(types, []string{"recurring_invoice.created", "recurring_invoice.paused", "recurring_invoice.resumed", "recurring_invoice.generated"}) {
		t.Fatalf("history %v", types)
	}

	// Due now: the worker makes, issues and sends (skipped in test mode)
	// the first period's invoice.
	daily := s.must(201, "POST", "/v1/recurring_invoices", key, recurringBody(cid, pid, map[string]any{
		"interval": "daily", "issue": true, "send": true})).str("id")
	var made response
	eventually(t, "the worker's invoice", func() bool {
		made = s.must(200, "GET", "/v1/recurring_invoices/"+daily, key, nil)
		return made.Body["invoices_generated"] == float64(1)
	})
	got := s.must(200, "GET", "/v1/invoices/"+made.str("last_invoice"), key, nil)
	if got.str("status") != "valid" || got.str("recurring_invoice") != daily || got.str("last_send", "reason") != "test_mode" || got.str("issued_at") != got.str("recurring_period") {
		t.Fatalf("the worker's invoice %s", got.Raw)
	}

	if r := s.call("GET", "/v1/recurring_invoices/"+mid, tk.live, nil); r.Status != 404 {
		t.Fatalf("a test template read with the live key answered %d", r.Status)
	}
	if r := s.call("POST", "/v1/recurring_invoices/"+mid+"/generate", tk.live, nil); r.Status != 404 {
		t.Fatalf("a test template generated with the live key answered %d", r.Status)
	}
	deleted := s.must(200, "DELETE", "/v1/recurring_invoices/"+daily, key, nil)
	if deleted.Body["deleted"] != true || deleted.Body["next_run_at"] != nil {
		t.Fatalf("deleted %s", deleted.Raw)
	}
	s.must(404, "GET", "/v1/recurring_invoices/"+daily, key, nil)
}

// Pausing and resuming need recurring_invoices:transition, generating
// recurring_invoices:generate; write grants neither.
func TestRecurringInvoiceScopes(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("scoped@example.com", "clients:write", "products:write", "recurring_invoices:write", "recurring_invoices:read")
	cid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	pid := s.must(201, "POST", "/v1/products", tk.test, product("100.00", false)).str("id")
	rid := s.must(201, "POST", "/v1/recurring_invoices", tk.test, recurringBody(cid, pid, map[string]any{
		"interval": "yearly", "start_at": "2030-02-28T00:00:00Z"})).str("id")
	for _, path := range []string{"/pause", "/generate"} {
		r := s.call("POST", "/v1/recurring_invoices/"+rid+path, tk.test, nil)
		if r.Status != 403 || r.str("error", "code") != "insufficient_scope" {
			t.Errorf("POST %s without its scope answered %d %s", path, r.Status, r.Raw)
		}
	}
}

// docs/recurring_invoices.md gives the results it shows: its sh blocks run
// in order in one bash, and every line of a text block that follows an sh
// block is in the output.
func TestRecurringGuideRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the guide needs %s", tool)
		}
	}
	b, err := os.ReadFile("../../docs/recurring_invoices.md")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	var want []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```\n\n(```text\n(.*?)```)?").FindAllStringSubmatch(string(b), -1) {
		script.WriteString(m[1])
		want = append(want, strings.Split(strings.TrimSpace(m[3]), "\n")...)
	}
	s := startSystem(t)
	tk := s.newTenant("guide@example.com")
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Env = append(os.Environ(), "BASE="+s.proxy(), "KEY="+tk.test)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide failed: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	for _, w := range want {
		if w != "" && !slices.Contains(lines, w) {
			t.Errorf("the guide's output lacks %q:\n%s", w, out)
		}
	}
	if len(want) < 5 {
		t.Errorf("found %d shown results in the guide", len(want))
	}
}
