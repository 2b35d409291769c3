package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/facturo/facturo/internal/dashboard/dashtest"
	"github.com/facturo/facturo/internal/mail/mailtest"
)

// docReceiver is the receiver address docs/dashboard.md's quickstart uses;
// the test puts its own receiver's in its place.
const docReceiver = "http://127.0.0.1:9000/hook"

// TestQuickstartByClicking does the steps of docs/dashboard.md's
// "Quickstart by clicking" in headless Chromium, read from the page: every
// field it names must exist, every button and link must be there, and
// everything it says you see must appear.
func TestQuickstartByClicking(t *testing.T) {
	steps := quickstartSteps(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	mailDir := t.TempDir()
	smtp := mailtest.Catcher(t, mailDir)
	sys := dashtest.Start(t, map[string]string{"FACTURO_WEBHOOK_ALLOW_NETS": "127.0.0.0/8",
		"FACTURO_SMTP_URL": fmt.Sprintf("smtp://%s:%d?tls=none", smtp.Host, smtp.Port), "FACTURO_MAIL_FROM": smtp.From})
	var user struct {
		Key string `json:"secret_key"`
	}
	sys.Call("POST", "/v1/users", dashtest.AdminKey, map[string]any{"email": "me@example.com", "name": "Me"}, http.StatusCreated, &user)

	ctx := browser(t, 1280, 900, 3*time.Minute)
	d := &doer{t: t, ctx: ctx, base: sys.Base, userKey: user.Key,
		replace: strings.NewReplacer(docReceiver, hook.URL+"/hook")}
	for i, step := range steps {
		d.step = fmt.Sprintf("step %d (%q)", i+1, step)
		d.do(step)
	}
	if emails, _ := filepath.Glob(filepath.Join(mailDir, "*.eml")); len(emails) != 1 {
		t.Errorf("the mail catcher holds %d emails, want the invoice's", len(emails))
	}
}

// quickstartSteps reads the numbered steps of the section.
func quickstartSteps(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../../../docs/dashboard.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Quickstart by clicking\n")
	if !ok {
		t.Fatal(`docs/dashboard.md has no "Quickstart by clicking" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var steps []string
	for _, m := range regexp.MustCompile(`(?m)^\d+\. (.+)$`).FindAllStringSubmatch(section, -1) {
		steps = append(steps, m[1])
	}
	if len(steps) < 8 {
		t.Fatalf("the quickstart has %d steps", len(steps))
	}
	return steps
}

// The phrases a step is made of, in the order they appear in it. After
// "you see", every bold text is something the page must show.
var (
	actionPattern = regexp.MustCompile("(?i)open the dashboard address|type the user key it printed into \\*\\*(.+?)\\*\\*|" +
		"type `(.+?)` into \\*\\*(.+?)\\*\\*|press \\*\\*(.+?)\\*\\*|follow \\*\\*(.+?)\\*\\*")
	boldPattern = regexp.MustCompile(`\*\*(.+?)\*\*`)
)

// doer does the steps in one tab.
type doer struct {
	t       *testing.T
	ctx     context.Context
	base    string
	userKey string
	replace *strings.Replacer
	step    string
	marks   int
}

// do does one step: its actions, then waits for what it says you see.
func (d *doer) do(step string) {
	d.t.Helper()
	step = d.replace.Replace(step)
	act, see, _ := strings.Cut(step, "you see ")
	actions := actionPattern.FindAllStringSubmatch(act, -1)
	if len(actions) == 0 {
		d.t.Fatalf("%s: no action this test knows (open, type, press, follow)", d.step)
	}
	for _, a := range actions {
		switch {
		case strings.EqualFold(a[0], "open the dashboard address"):
			d.run("open the dashboard", chromedp.Navigate(d.base+"/dashboard"), chromedp.WaitReady("body"))
		case a[1] != "":
			d.fill(a[1], d.userKey)
		case a[3] != "":
			d.fill(a[3], a[2])
		case a[4] != "":
			d.navigate("press "+a[4], `//button[normalize-space()=`+xpathString(a[4])+`]`)
		case a[5] != "":
			d.navigate("follow "+a[5], `//a[normalize-space()=`+xpathString(a[5])+` or span[normalize-space()=`+xpathString(a[5])+`]]`)
		}
	}
	for _, m := range boldPattern.FindAllStringSubmatch(see, -1) {
		d.see(m[1])
	}
}

func (d *doer) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.ctx, actions...); err != nil {
		d.t.Fatalf("%s: %s (at %s): %v", d.step, what, location(d.ctx), err)
	}
}

// fill types value into the field whose label starts with label: a
// <label for> or a label wrapping its field, the first one on the page.
func (d *doer) fill(label, value string) {
	d.t.Helper()
	d.marks++
	mark := fmt.Sprintf("field-%d", d.marks)
	found, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`(() => {
		for (const l of document.querySelectorAll('label')) {
			const own = Array.from(l.childNodes).filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim();
			if (!own.startsWith(`+jsString(label)+`)) continue;
			const f = l.control;
			if (!f || f.tagName === 'SELECT') continue;
			f.setAttribute('data-step', `+jsString(mark)+`);
			return true;
		}
		return false;
	})()`))
	if err != nil || !found {
		d.t.Fatalf("%s: no field labelled %q (at %s): %v", d.step, label, location(d.ctx), err)
	}
	sel := `[data-step="` + mark + `"]`
	d.run("type into "+label, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// navigate clicks what xpath finds and waits for the page it leads to,
// which must not show an error.
func (d *doer) navigate(what, xpath string) {
	d.t.Helper()
	if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`window.__before = true`)); err != nil {
		d.t.Fatalf("%s: %v", d.step, err)
	}
	d.run(what, chromedp.Click(xpath))
	deadline := time.Now().Add(30 * time.Second)
	for {
		loaded, _ := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`window.__before !== true && document.readyState === 'complete'`))
		if loaded {
			break
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: %s led to no new page (at %s)", d.step, what, location(d.ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if msg, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`(document.querySelector('.error') || {innerText: ''}).innerText`)); msg != "" {
		d.t.Fatalf("%s: %s was refused (at %s): %s", d.step, what, location(d.ctx), msg)
	}
}

// see waits until the page shows text, reloading it while the result is
// on its way (a delivery, an email).
func (d *doer) see(text string) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		shown, _ := chromedp.Run(d.ctx, chromedp.Evaluate[bool](`document.body.innerText.includes(`+jsString(text)+`)`))
		if shown {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`document.body.innerText`))
			d.t.Fatalf("%s: the page never showed %q (at %s):\n%s", d.step, text, location(d.ctx), body)
		}
		time.Sleep(500 * time.Millisecond)
		d.run("reload", chromedp.Reload(), chromedp.WaitReady("body"))
	}
}

// xpathString quotes s for an XPath expression (the docs' texts hold no
// double quote).
func xpathString(s string) string { return `"` + s + `"` }
