package e2e

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/mail/mailtest"
)

// docs/quickstart.md works as written: its sh blocks run, in order, in one
// bash against a running system, and end with a verified webhook and the
// invoice's email in the catcher's directory, as shown. curl talks to the
// API through a proxy that validates each answer.
func TestQuickstartRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("quickstart needs %s", tool)
		}
	}
	b, err := os.ReadFile("../../docs/quickstart.md")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n")
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		script.WriteString(m[1])
	}
	mailDir := t.TempDir()
	s := startSystemWith(t, func(c *app.Config) {
		c.Webhooks.AllowNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.Mail = mailtest.Catcher(t, mailDir) // as make run does
	})
	t.Setenv("FACTURO_WEBHOOK_ALLOW_NETS", "127.0.0.0/8")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Env = append(os.Environ(), "BASE="+s.proxy(), "ADMIN="+testAdminKey, "MAIL_DIR="+mailDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, out)
	}
	out = bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n")) // the .eml's header lines end in CRLF
	if !regexp.MustCompile(`\nMessage-ID: <evt_[0-9A-Z]{26}@facturo>\n`).Match(out) {
		t.Errorf("quickstart output lacks the Message-ID:\n%s", out)
	}
	for _, want := range []string{"verified webhook:", `"status": "valid"`, "invoice.issued",
		`{"to":["billing@acme.example"],"status":"pending"}`, "last_send.status: delivered",
		"Subject: Factura A-1 de My Shop\nFrom: \"Facturo\" <facturo@localhost>\nTo: <billing@acme.example>\n",
		"Content-Type: multipart/mixed\nContent-Type: multipart/alternative\nContent-Type: text/plain\nContent-Type: text/html\nContent-Type: application/pdf\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
}
