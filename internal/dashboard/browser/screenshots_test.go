package browser

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
)

// seeded is a system with something on every page: a test key and its
// events, a live endpoint with a delivered ping, two invoices.
type seeded struct {
	sys              *dashtest.System
	user             dashtest.User
	test, live       string // the organization's page bases
	endpoint, invoce string // paths of an endpoint and an invoice page
}

func seed(t *testing.T) seeded {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	}))
	t.Cleanup(hook.Close)
	sys := dashtest.Start(t, map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8"})
	u := sys.NewUser("ana@example.com", "Acme Studio")
	s := seeded{sys: sys, user: u, test: "/dashboard/organizations/" + u.OrgID + "/test", live: "/dashboard/organizations/" + u.OrgID + "/live"}
	var key, liveKey struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "test", "name": "billing server",
		"scopes": []string{"invoices:read", "invoices:write", "clients:write", "events:read"}}, http.StatusCreated, &key)
	sys.Call("POST", "/v1/organizations/"+u.OrgID+"/api_keys", u.Key, map[string]any{"mode": "live", "name": "production"}, http.StatusCreated, &liveKey)
	var client, draft, issued struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/clients", key.Secret, map[string]any{"legal_name": "Papelería La Esquina", "tax_id": "XAXX010101000"}, http.StatusCreated, &client)
	body := map[string]any{"client": client.ID, "payment_form": "03", "items": []any{map[string]any{"quantity": "3",
		"product": map[string]any{"description": "Consulting hour", "price": "850.00", "tax_included": false,
			"taxes": []any{map[string]any{"type": "IVA", "rate": "0.16"}}}}}}
	sys.Call("POST", "/v1/invoices", key.Secret, body, http.StatusCreated, &draft)
	sys.Call("POST", "/v1/invoices", key.Secret, body, http.StatusCreated, &issued)
	sys.Call("POST", "/v1/invoices/"+issued.ID+"/issue", key.Secret, nil, http.StatusOK, nil)
	s.invoce = s.test + "/invoices/" + issued.ID
	var ep struct {
		ID string `json:"id"`
	}
	sys.Call("POST", "/v1/webhook_endpoints", liveKey.Secret, map[string]any{"url": hook.URL + "/hooks/facturo",
		"enabled_events": []string{"*"}, "description": "laptop receiver"}, http.StatusCreated, &ep)
	sys.Call("POST", "/v1/webhook_endpoints/"+ep.ID+"/ping", liveKey.Secret, nil, http.StatusAccepted, nil)
	sys.Call("GET", "/v1/account", liveKey.Secret, nil, http.StatusOK, nil)
	s.endpoint = s.live + "/webhooks/" + ep.ID
	return s
}

// A page of the dashboard, shot at desktop width and checked at phone
// width.
type shot struct {
	name, path string
	before     func(context.Context) error // clicks that lead to the state shown
}

// The main pages fit a phone (390 px): none scrolls sideways. With
// -screenshots DIR (make screenshots) each is written as a PNG there, at
// laptop width, and a few at phone width too.
func TestPagesFitAPhoneAndScreenshots(t *testing.T) {
	s := seed(t)
	ctx := browser(t, 1280, 900, 110*time.Second)
	shots := []shot{
		{name: "signin", path: "/dashboard/signin"},
		{name: "organizations", path: "/dashboard/organizations"},
		{name: "keys", path: s.test + "/keys"},
		{name: "key-secret", path: s.test + "/keys", before: func(ctx context.Context) error {
			return chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#name`), "ci runner"),
				chromedp.Click(`//button[text()="Create key"]`), chromedp.WaitVisible(chromedp.CSS(`#secret`)))
		}},
		{name: "events", path: s.test + "/events"},
		{name: "event", path: s.test + "/events", before: func(ctx context.Context) error {
			return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`td[data-label="Event"] a`)), chromedp.WaitVisible(chromedp.CSS(`#event-json`)))
		}},
		{name: "webhook", path: s.endpoint},
		{name: "delivery", path: s.endpoint, before: func(ctx context.Context) error {
			return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`table.deliveries td a`)), chromedp.WaitVisible(chromedp.CSS(`table.attempts`)))
		}},
		{name: "clients", path: s.test + "/clients"},
		{name: "invoices", path: s.test + "/invoices"},
		{name: "invoice", path: s.invoce},
		{name: "audit", path: s.test + "/audit"},
	}
	if *screenshots != "" {
		if err := os.MkdirAll(*screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The sign-in page first, signed out; then everything signed in.
	take(t, ctx, s, shots[0], 1280, 900, "")
	take(t, ctx, s, shots[0], 390, 844, "")
	signIn(t, ctx, s.sys.Base, s.user.Key)
	waitDelivered(t, ctx, s)
	for _, sh := range shots[1:] {
		take(t, ctx, s, sh, 1280, 900, "")
		phone := ""
		if sh.name == "keys" || sh.name == "webhook" || sh.name == "invoices" {
			phone = "-phone"
		}
		take(t, ctx, s, sh, 390, 844, phone)
	}
}

// waitDelivered waits until the ping reached the receiver, so that the
// endpoint's page shows a succeeded delivery.
func waitDelivered(t *testing.T, ctx context.Context, s seeded) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		run(t, ctx, "the endpoint", chromedp.Navigate(s.sys.Base+s.endpoint))
		if count(t, ctx, `table.deliveries .tag.good`) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the ping was never delivered")
		}
	}
}

// take shows sh at width × height, checks that nothing scrolls sideways,
// and writes the screenshot when asked to (suffix "" at phone width: check
// only).
func take(t *testing.T, ctx context.Context, s seeded, sh shot, width, height int64, suffix string) {
	t.Helper()
	run(t, ctx, sh.name, chromedp.EmulateViewport(width, height), chromedp.Navigate(s.sys.Base+sh.path),
		chromedp.WaitVisible(chromedp.CSS(`main`)))
	if sh.before != nil {
		if err := sh.before(ctx); err != nil {
			t.Fatalf("%s: %v", sh.name, err)
		}
	}
	if over, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); err != nil || over > 0 {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('main *'))
			.filter(e => e.getBoundingClientRect().right > window.innerWidth)
			.map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s at %d px scrolls sideways by %d px (%v); too wide: %v", sh.name, width, over, err, wide)
	}
	if *screenshots == "" || (width < 1000 && suffix == "") {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: screenshot: %v", sh.name, err)
	}
	name := sh.name + suffix + ".png"
	if strings.HasPrefix(sh.name, "signin") && width < 1000 {
		return
	}
	if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
