package replay

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressPlainLinesOffATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &Progress{W: &out, Label: "rebuild documents"}
	p.Update(0, 1000)
	p.Update(500, 1000) // within the interval: not printed
	p.Update(1000, 1000)
	p.Done(1000)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a first line, a final update and a summary, got %q", out.String())
	}
	if !strings.Contains(lines[1], "1000/1000 events (100.0%)") || !strings.Contains(lines[1], "ev/s") ||
		!strings.Contains(lines[1], "eta") || strings.Contains(out.String(), "\r") {
		t.Fatalf("plain line lacks count, rate or eta, or redraws: %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "rebuild documents: 1000 events in ") {
		t.Fatalf("summary = %q", lines[2])
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &Progress{W: &out, Label: "rebuild documents", Terminal: true}
	p.Update(0, 200)
	p.Update(200, 200)
	p.Done(200)
	s := out.String()
	if !strings.Contains(s, "rebuild documents") || !strings.Contains(s, "200/200") || !strings.Contains(s, "\r") {
		t.Fatalf("no redrawn bar with label and count: %q", s)
	}
}
