package browser

import (
	"context"
	"flag"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "write the screenshots of docs/dashboard.md to this directory")

// chromium finds a Chromium or Chrome binary; the tests skip without one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found: install Debian's chromium (apt-get install chromium; .ci/run does) to run the browser tests")
	return ""
}

// browser starts a headless Chromium of width × height for one test,
// bounded by timeout; the returned context drives its first tab.
func browser(t *testing.T, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless

		chromedp.ExecPath(chromium(t)),
		chromedp.WindowSize(width, height),
		chromedp.NoSandbox, // root in CI containers; the pages are our own
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// run runs actions, failing the test with what it was doing.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s (at %s): %v", what, location(ctx), err)
	}
}

// location is the tab's URL.
func location(ctx context.Context) string {
	url, _ := chromedp.Run(ctx, chromedp.Location())
	return url
}

// text is the text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s (at %s): %v", sel, location(ctx), err)
	}
	return strings.TrimSpace(s)
}

// count is the number of elements matching sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

// signIn signs in through the form.
func signIn(t *testing.T, ctx context.Context, base, key string) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#key`)),
		chromedp.SendKeys(chromedp.CSS(`#key`), key),
		chromedp.Submit(chromedp.CSS(`#key`)),
		chromedp.WaitVisible(`//h1[text()="Organizations"]`),
	)
}

// waitURL waits until the tab's URL contains part (a form's navigation).
func waitURL(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	for !strings.Contains(location(ctx), part) {
		select {
		case <-ctx.Done():
			t.Fatalf("the page never reached a URL with %q (at %s)", part, location(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
