package replay

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress reports a long run: a progress bar with rate and ETA on a
// terminal (schollz/progressbar), or a plain line every Every otherwise
// (logs and CI, where a redrawn bar is noise).
type Progress struct {
	W        io.Writer
	Label    string
	Terminal bool
	Every    time.Duration // plain-line interval, default 5s

	mu    sync.Mutex
	bar   *progressbar.ProgressBar
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
	if p.Terminal {
		p.terminalBar(total).ChangeMax64(total)
		_ = p.bar.Set64(done)
		return
	}
	every := p.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	if now.Sub(p.last) < every && done < total {
		return
	}
	p.last = now
	fmt.Fprintf(p.W, "%s: %d/%d events (%.1f%%) %s eta %s\n", p.Label, done, total,
		percent(done, total), rate(done, now.Sub(p.start)), eta(done, total, now.Sub(p.start)))
}

// terminalBar creates the bar on first use, when the total is known.
func (p *Progress) terminalBar(total int64) *progressbar.ProgressBar {
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.W),
			progressbar.OptionSetDescription(p.Label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("ev"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth(),
		)
	}
	return p.bar
}

// Done ends the report with a final line.
func (p *Progress) Done(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.W)
	}
	el := time.Since(p.start)
	fmt.Fprintf(p.W, "%s: %d events in %s (%s)\n", p.Label, done, el.Round(time.Millisecond), rate(done, el))
}

func percent(done, total int64) float64 {
	if total <= 0 {
		return 100
	}
	return 100 * float64(done) / float64(total)
}

func eta(done, total int64, el time.Duration) string {
	if done <= 0 || total < done {
		return "?"
	}
	return (time.Duration(float64(el) / float64(done) * float64(total-done))).Round(time.Second).String()
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "- ev/s"
	}
	return fmt.Sprintf("%.0f ev/s", float64(n)/d.Seconds())
}
