package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The test binary doubles as bin/facturo for the docs test: with this
// variable set it is the command, not the tests.
const asCommand = "FACTURO_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

var (
	shBlock   = regexp.MustCompile("(?s)```sh\n(.*?)```")
	textBlock = regexp.MustCompile("(?s)```text\n(.*?)```")
	spaces    = regexp.MustCompile(`\s+`)
)

// docs/cli.md works as written: in a directory where `make run` is running
// (its .data/run.json) and bin/facturo exists, its sh blocks run in one
// bash with no variables and print what its first text block shows; in a
// directory where nothing runs, the command prints the second.
func TestCLIDocRuns(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("docs/cli.md needs %s", tool)
		}
	}
	doc, err := os.ReadFile("../../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	texts := textBlock.FindAllStringSubmatch(string(doc), -1)
	if len(texts) < 2 {
		t.Fatal("docs/cli.md: want the list output and the not-running message as text blocks")
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	for _, m := range shBlock.FindAllStringSubmatch(string(doc), -1) {
		script.WriteString(m[1])
	}

	work := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(work, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(work, "bin", "facturo")); err != nil {
		t.Fatal(err)
	}
	bash := func(script string) (string, string, error) {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = work
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, asCommand + "=1"}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}

	_, stderr, err := bash("bin/facturo projections list")
	if want := strings.TrimSpace(texts[1][1]); err == nil || strings.TrimSpace(stderr) != want {
		t.Errorf("nothing running: err %v, stderr\n%s\nwant\n%s", err, stderr, want)
	}

	startRun(t, filepath.Join(work, ".data"))

	stdout, stderr, err := bash(script.String())
	if err != nil || stderr != "" {
		t.Fatalf("docs/cli.md: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	// Every text block but the not-running message and the listen
	// session (tested in internal/e2e, it runs until Ctrl-C) shows output
	// of the sh blocks.
	for i, text := range texts {
		if i == 1 || strings.Contains(text[1], "facturo listen") {
			continue
		}
		for _, want := range strings.Split(strings.TrimSpace(text[1]), "\n") {
			if !printed(stdout, want) {
				t.Errorf("docs/cli.md shows %q; the commands printed\n%s", want, stdout)
			}
		}
	}
}

// printed reports whether out has the line want, spacing aside; a want
// ending in … matches any line that begins with the rest.
func printed(out, want string) bool {
	norm := func(s string) string { return spaces.ReplaceAllString(strings.TrimSpace(s), " ") }
	want = norm(want)
	prefix, wild := strings.CutSuffix(want, "…")
	for _, l := range strings.Split(out, "\n") {
		if l = norm(l); l == want || wild && strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
