package replay

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress reports a long run: a redrawn bar with rate and ETA on a
// terminal, or a plain line every Every otherwise (logs, CI).
type Progress struct {
	W        io.Writer
	Label    string
	Terminal bool
	Every    time.Duration // plain-line interval, default 5s

	mu    sync.Mutex
	start time.Time
	last  time.Time
}

// Update reports done of total; call it as often as convenient.
func (p *Progress) Update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	every := p.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	if p.Terminal {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every && done < total {
		return
	}
	p.last = now
	fmt.Fprint(p.W, p.line(done, total, now))
}

// Done ends the report with a final line.
func (p *Progress) Done(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Terminal {
		fmt.Fprintln(p.W)
	}
	el := time.Since(p.start)
	fmt.Fprintf(p.W, "%s: %d events in %s (%s)\n", p.Label, done, el.Round(time.Millisecond), rate(done, el))
}

func (p *Progress) line(done, total int64, now time.Time) string {
	el := now.Sub(p.start)
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	eta := "?"
	if done > 0 && total >= done {
		eta = (time.Duration(float64(el) / float64(done) * float64(total-done))).Round(time.Second).String()
	}
	if !p.Terminal {
		return fmt.Sprintf("%s: %d/%d events (%.1f%%) %s eta %s\n", p.Label, done, total, pct, rate(done, el), eta)
	}
	const width = 30
	fill := int(pct / 100 * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	return fmt.Sprintf("\r%s %s %5.1f%% %d/%d %s eta %s   ", p.Label, bar, pct, done, total, rate(done, el), eta)
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "- ev/s"
	}
	return fmt.Sprintf("%.0f ev/s", float64(n)/d.Seconds())
}
