// Command chaos runs the fault-injection experiment (`make chaos`): two API
// and two worker processes under a steady write load while APIs and
// workers are SIGKILLed, NATS restarts and PostgreSQL crashes; then it
// retries every write with its Idempotency-Key and checks that nothing
// acknowledged was lost and nothing was created twice. It exits 1 on any
// loss.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/facturo/facturo/tools/chaos"
)

func main() {
	var o chaos.Options
	flag.StringVar(&o.Bin, "bin", "bin", "directory with the api and worker binaries (make build)")
	flag.DurationVar(&o.Duration, "d", 75*time.Second, "duration of the write load, faults included")
	flag.IntVar(&o.Rate, "rate", 20, "writes per second over both APIs and both modes")
	flag.DurationVar(&o.KillEvery, "kill-every", 10*time.Second, "SIGKILL a process (worker, API, in turn) this often")
	flag.DurationVar(&o.Drain, "drain", 2*time.Minute, "bound on the drain after the load")
	flag.BoolVar(&o.KeepOnFail, "keep", true, "keep the data directory and process logs after a loss")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.Duration+o.Drain+3*time.Minute)
	defer cancel()
	ok, err := chaos.Run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Println("\nFAIL: something acknowledged was lost or created twice (see the table)")
		os.Exit(1)
	}
	fmt.Println("\nPASS: nothing acknowledged was lost, nothing created twice")
}
