package browser

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// In a real browser, in live mode: add an endpoint pointing at a local
// receiver, read its signing secret once, send a ping and see the
// delivery appear in the log with its attempt.
func TestBrowserWebhookDelivery(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok from the laptop")
	}))
	t.Cleanup(hook.Close)
	sys := dashtest.Start(t, map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"})
	u := sys.NewUser("hooks@example.com", "Hooks Browser")
	ctx := browser(t, 1280, 900, 90*time.Second)
	signIn(t, ctx, sys.Base, u.Key)

	run(t, ctx, "open the live webhooks",
		chromedp.Click(`//a[text()="live"]`),
		chromedp.WaitVisible(`//h2[contains(., "Create a live key")]`),
		chromedp.Click(`//nav[@class="sections"]/a[text()="Webhooks"]`),
		chromedp.WaitVisible(chromedp.CSS(`#url`)),
		chromedp.SendKeys(chromedp.CSS(`#url`), hook.URL+"/hook"),
		chromedp.Click(`//button[text()="Add endpoint"]`),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)))
	if s := text(t, ctx, "#secret"); !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("signing secret %q", s)
	}
	run(t, ctx, "ping", chromedp.Click(`//button[text()="Send a ping"]`),
		chromedp.WaitNotPresent(chromedp.CSS(`#secret`)))
	for deadline := time.Now().Add(30 * time.Second); count(t, ctx, `table.deliveries .tag.good`) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no succeeded delivery appeared in the log")
		}
		run(t, ctx, "reload the log", chromedp.Reload(), chromedp.WaitVisible(`//h2[text()="Deliveries"]`))
	}
	run(t, ctx, "open the delivery", chromedp.Click(chromedp.CSS(`table.deliveries td a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.attempts`)))
	if got := text(t, ctx, "table.attempts tbody"); !strings.Contains(got, "200") || !strings.Contains(got, "ok from the laptop") {
		t.Errorf("the attempt shows %q", got)
	}
}
