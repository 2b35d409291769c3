// Command bench measures Facturo against baselines from the same run and
// prints one table; with -out it also writes the table into that file
// (BENCHMARKS.md) between its markers.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/facturo/facturo/tools/bench"
)

func main() {
	var o bench.Options
	flag.IntVar(&o.Concurrency, "c", 8, "concurrency of the write and auth loads")
	flag.DurationVar(&o.Duration, "d", 10*time.Second, "duration of each load phase")
	flag.IntVar(&o.Rate, "rate", 20, "pipeline writes per second")
	flag.IntVar(&o.Burst, "burst", 300, "writes in the webhook throughput burst")
	flag.IntVar(&o.HookRate, "hook-rate", 500, "writes per second of the second pipeline latency run, for 2xx → webhook received (0 skips it)")
	flag.IntVar(&o.Backlog, "backlog", 5000, "deliveries in the deliverer backlog and slow-endpoint isolation rows (0 skips them)")
	flag.IntVar(&o.RebuildEvents, "rebuild-events", 100_000, "events generated for the projection rebuild row (0 skips it; the issue asks for 1000000)")
	flag.IntVar(&o.FlatEvents, "flat-events", 1_000_000, "events of history in the big organization of the flat-cost rows, against 1000 in the small one (0 skips them)")
	flag.IntVar(&o.RelayEvents, "relay-events", 200_000, "events backlogged for the relay throughput row (0 skips it)")
	flag.IntVar(&o.RecurringTemplates, "recurring-templates", 1000, "recurring invoice templates due at the same minute for the recurring pass row (0 skips it)")
	outFile := flag.String("out", "", "Markdown file to update between <!-- bench:start --> and <!-- bench:end -->")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (Facturo and the load generator share the process) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer stopProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 9*time.Minute)
	defer cancel()
	md, err := bench.Run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *outFile != "" {
		if err := update(*outFile, md); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

const startMark, endMark = "<!-- bench:start -->", "<!-- bench:end -->"

func update(path, md string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, startMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		return fmt.Errorf("%s lacks the markers %s ... %s", path, startMark, endMark)
	}
	return os.WriteFile(path, []byte(s[:i+len(startMark)]+"\n"+md+s[j:]), 0o644)
}
