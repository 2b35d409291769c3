package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Options bound the run.
type Options struct {
	Concurrency int           // write and auth load
	Duration    time.Duration // each load phase
	Rate        int           // pipeline writes per second
	Burst       int           // writes in the webhook throughput burst
	HookRate    int           // writes per second of the second latency run (0 skips it)
	Backlog     int           // deliveries in the backlog rows (0 skips them)
	// RebuildEvents generated for the projection rebuild row; 0 skips it.
	RebuildEvents int
	// FlatEvents of history in the big organization of the flat-cost rows
	// (against 1,000 in the small one); 0 skips them.
	FlatEvents int
	// RelayEvents backlogged for the relay throughput row; 0 skips it.
	RelayEvents int
	// RecurringTemplates due at the same minute for the recurring pass
	// row; 0 skips it.
	RecurringTemplates int
}

// Run starts a system in a temporary directory, measures, prints the table
// to out and returns it as Markdown for BENCHMARKS.md.
func Run(ctx context.Context, o Options, out io.Writer) (string, error) {
	dir, err := os.MkdirTemp("", "facturo-bench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	s, err := start(ctx, dir)
	if err != nil {
		return "", err
	}
	defer s.stop()
	key, client, err := s.tenant()
	if err != nil {
		return "", err
	}
	var rows []Row
	w, err := writeThroughput(ctx, s, key, client, o.Concurrency, o.Duration)
	if err != nil {
		return "", err
	}
	rows = append(rows, w...)
	p, err := pipeline(ctx, s, key, o)
	if err != nil {
		return "", err
	}
	rows = append(rows, p...)
	// Before the authentication rows (so are the recurring rows): their
	// flood of invalid keys locks the loopback address out of creating
	// the organizations.
	if o.FlatEvents > 0 {
		f, err := flatCost(ctx, s, o.FlatEvents, o.Concurrency, o.Duration)
		if err != nil {
			return "", err
		}
		rows = append(rows, f...)
	}
	if o.RecurringTemplates > 0 {
		r, err := recurringPass(ctx, s, o.RecurringTemplates)
		if err != nil {
			return "", err
		}
		rows = append(rows, r...)
	}
	rows = append(rows, authentication(s, key, o.Concurrency, o.Duration)...)
	pdfs, err := pdfRenders(ctx, s, key, client, o.Concurrency, o.Duration)
	if err != nil {
		return "", err
	}
	rows = append(rows, pdfs...)
	if o.RelayEvents > 0 {
		r, err := relayThroughput(ctx, s, o.RelayEvents)
		if err != nil {
			return "", err
		}
		rows = append(rows, r...)
	}
	if o.RebuildEvents > 0 {
		r, err := rebuildSpeed(ctx, s, o.RebuildEvents)
		if err != nil {
			return "", err
		}
		rows = append(rows, r...)
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tVALUE\tBASELINE (same run)\tRATIO")
	var md strings.Builder
	md.WriteString("| Figure | Value | Baseline (same run) | Ratio |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Figure, r.Value, r.Baseline, r.Ratio)
		fmt.Fprintf(&md, "| %s | %s | %s | %s |\n", r.Figure, r.Value, r.Baseline, r.Ratio)
	}
	tw.Flush()
	host, _ := os.Hostname()
	header := fmt.Sprintf("Run %s on %s: %s/%s, %d CPUs, %s. Options: %+v.\n\n",
		time.Now().UTC().Format(time.RFC3339), host, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), o)
	return header + md.String(), nil
}
