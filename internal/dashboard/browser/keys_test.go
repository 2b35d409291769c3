package browser

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// In a real browser: sign in, create a key with picked scopes and read its
// secret once (a reload shows it no more), rotate it, revoke it, switch
// mode, and filter the events the clicks made.
func TestBrowserKeysAndEvents(t *testing.T) {
	sys := dashtest.Start(t, nil)
	u := sys.NewUser("dev@example.com", "Acme Browser")
	ctx := browser(t, 1280, 900, 90*time.Second)
	signIn(t, ctx, sys.Base, u.Key)

	run(t, ctx, "open the organization",
		chromedp.Click(`//a[text()="Acme Browser"]`),
		chromedp.WaitVisible(`//h2[contains(., "Create a test key")]`))
	if got := text(t, ctx, ".mode.on"); got != "Test" {
		t.Errorf("the mode switch shows %q, want Test", got)
	}
	run(t, ctx, "create a key",
		chromedp.SendKeys(chromedp.CSS(`#name`), "browser key"),
		chromedp.Click(chromedp.CSS(`input[value="*"]`)), // off: pick scopes instead
		chromedp.Click(chromedp.CSS(`input[value="events:read"]`)),
		chromedp.Click(chromedp.CSS(`input[value="account:read"]`)),
		chromedp.Click(`//button[text()="Create key"]`),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)))
	first := text(t, ctx, "#secret")
	if !strings.HasPrefix(first, "fact_test_") {
		t.Fatalf("secret %q", first)
	}
	sys.Call("GET", "/v1/account", first, nil, http.StatusOK, nil)
	sys.Call("GET", "/v1/invoices", first, nil, http.StatusForbidden, nil)
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`dl.facts`)))
	if n := count(t, ctx, "#secret"); n != 0 {
		t.Fatalf("after a reload the secret is still shown")
	}

	run(t, ctx, "rotate", chromedp.SetValue(chromedp.CSS(`#grace`), "0"),
		chromedp.Click(`//button[text()="Rotate secret"]`), chromedp.WaitVisible(chromedp.CSS(`#secret`)))
	second := text(t, ctx, "#secret")
	if second == first || !strings.HasPrefix(second, "fact_test_") {
		t.Fatalf("rotation showed %q", second)
	}
	sys.Call("GET", "/v1/account", second, nil, http.StatusOK, nil)
	sys.Call("GET", "/v1/account", first, nil, http.StatusUnauthorized, nil) // no grace asked

	run(t, ctx, "revoke", chromedp.Click(`//button[text()="Revoke for good"]`),
		chromedp.WaitVisible(`//span[@class="tag bad" and text()="revoked"]`))
	sys.Call("GET", "/v1/account", second, nil, http.StatusUnauthorized, nil)

	run(t, ctx, "filter the events",
		chromedp.Click(`//nav[@class="sections"]/a[text()="Events"]`),
		chromedp.WaitVisible(chromedp.CSS(`#type`)),
		chromedp.SetValue(chromedp.CSS(`#type`), "key.rotated"),
		chromedp.Click(`//button[text()="Filter"]`))
	waitURL(t, ctx, "type=key.rotated")
	run(t, ctx, "the filtered page", chromedp.WaitVisible(`//td/code[text()="key.rotated"]`))
	if n, all := count(t, ctx, "table.list tbody tr"), count(t, ctx, `td[data-label="Type"] code`); n != 1 || all != 1 {
		t.Errorf("filtered on key.rotated: %d rows, want 1", n)
	}
	run(t, ctx, "open the event", chromedp.Click(chromedp.CSS(`td[data-label="Event"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#event-json`)))
	if js := text(t, ctx, "#event-json"); !strings.Contains(js, `"type": "key.rotated"`) {
		t.Errorf("the event's JSON: %s", js)
	}

	run(t, ctx, "switch to live", chromedp.Click(chromedp.CSS(`.mode-switch`)))
	waitURL(t, ctx, "/live/events")
	run(t, ctx, "the live page", chromedp.WaitVisible(`//h1[contains(., "Events")]`))
	if got := text(t, ctx, ".mode.on"); got != "Live" {
		t.Errorf("after the switch the mode shows %q", got)
	}
}
