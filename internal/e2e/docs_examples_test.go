package e2e

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The examples of these pages run as written: each page's sh blocks, in
// order, in one bash against a running system, and each text block that
// follows a sh block is what that block prints, in order.
func TestDocExamplesRun(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the examples need %s", tool)
		}
	}
	s := startSystem(t)
	for _, page := range []string{"tax_rates.md", "quotes.md", "proformas.md"} {
		t.Run(page, func(t *testing.T) {
			b, err := os.ReadFile("../../docs/" + page)
			if err != nil {
				t.Fatal(err)
			}
			script, want := docScript(string(b))
			if len(want) == 0 {
				t.Fatal("no example with its output")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", script)
			cmd.Env = append(os.Environ(), "BASE="+s.proxy(), "ADMIN="+testAdminKey)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the examples failed: %v\n%s", err, out)
			}
			if got := strings.Join(want, "\n") + "\n"; string(out) != got {
				t.Errorf("the examples print\n%s\nthe page shows\n%s", out, got)
			}
		})
	}
}

// docScript joins a page's sh blocks into one script and lists the text
// blocks that follow a sh block: what the script must print.
func docScript(page string) (script string, outputs []string) {
	var sb strings.Builder
	sb.WriteString("set -euo pipefail\n")
	blocks := regexp.MustCompile("(?s)```(sh|text)\n(.*?)```").FindAllStringSubmatch(page, -1)
	for i, m := range blocks {
		switch {
		case m[1] == "sh":
			sb.WriteString(m[2])
		case i > 0 && blocks[i-1][1] == "sh":
			outputs = append(outputs, strings.TrimRight(m[2], "\n"))
		}
	}
	return sb.String(), outputs
}
