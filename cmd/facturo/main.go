// Command facturo runs the whole system in one process for development and
// first contact: the API, the worker, an embedded NATS JetStream server and
// a local PostgreSQL cluster started from the system's binaries (unless
// NATS_URL / DATABASE_URL point elsewhere). `make run` starts it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/facturo/facturo/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := app.ConfigFromEnv(os.Getenv)
	if err == nil {
		if os.Getenv("FACTURO_LOG_FORMAT") == "" {
			cfg.LogFormat = "text"
		}
		err = app.RunAllInOne(ctx, cfg, os.Stdout, app.NewLogger(os.Stderr, cfg))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "facturo:", err)
		os.Exit(1)
	}
}
