// Command facturo is Facturo for people at a terminal. `facturo run` (or no
// command; `make run` starts it) runs the whole system in one process for
// development and first contact: the API, the worker, an embedded NATS
// JetStream server and a local PostgreSQL cluster started from the system's
// binaries (unless NATS_URL / DATABASE_URL point elsewhere). The operator
// commands (migrate, projections, events, webhooks) run against the
// services that DATABASE_URL and NATS_URL name or, when both are unset,
// against the `facturo run` found running from the data directory.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "facturo:", err)
		os.Exit(1)
	}
}

// Run dispatches a subcommand.
func Run(ctx context.Context, args []string, getenv func(string) string, out, errOut io.Writer) error {
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := app.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	switch {
	case cmd == "run":
		if getenv("FACTURO_LOG_FORMAT") == "" {
			cfg.LogFormat = "text"
		}
		return app.RunAllInOne(ctx, cfg, out, app.NewLogger(errOut, cfg))
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(out, usage)
		return nil
	case cmd == "listen" || cmd == "trigger":
		return develop(ctx, cmd, args, getenv, cfg, out, errOut)
	case cli.IsOperatorCommand(cmd):
		if err := findServices(&cfg); err != nil {
			return err
		}
		return cli.Operate(ctx, "facturo", cmd, args, cfg, toolLogger(errOut, cfg), out, errOut)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// findServices fills in the database and NATS of the running `facturo run`
// when neither is configured. Setting only one of them is a mistake worth
// naming rather than guessing the other.
func findServices(cfg *app.Config) error {
	switch {
	case cfg.DatabaseURL != "" && cfg.NATSURL != "":
		return nil
	case cfg.DatabaseURL != "" || cfg.NATSURL != "":
		return errors.New("set both DATABASE_URL and NATS_URL, or neither to use the running `make run`")
	}
	r, err := app.FindRunning(cfg.DataDir)
	if err != nil {
		return err
	}
	cfg.DatabaseURL, cfg.NATSURL = r.DatabaseURL, r.NATSURL
	return nil
}

// toolLogger logs what goes wrong, not the connection chatter of a command
// that succeeds.
func toolLogger(w io.Writer, cfg app.Config) *slog.Logger {
	if cfg.Env("FACTURO_LOG_LEVEL") == "" {
		cfg.LogLevel = slog.LevelWarn
	}
	if cfg.Env("FACTURO_LOG_FORMAT") == "" {
		cfg.LogFormat = "text"
	}
	return app.NewLogger(w, cfg)
}

var usage = `usage: facturo <command>

  facturo run       run everything in one process: API, worker, embedded NATS,
                    local PostgreSQL under .data (default; what make run does)
  facturo help      this text

Developer commands talk to the API (--api-base, default the running make
run) with an organization key (--key, or FACTURO_KEY):

  facturo listen --forward-to URL [--after ID]
      post each event of the key's organization and mode to URL, signed
      like a webhook with a secret printed at the start
  facturo trigger EVENT_TYPE
      create, in test mode, the objects that produce one event of this type

Operator commands use DATABASE_URL and NATS_URL or, when both are unset, the
facturo run found running from FACTURO_DATA_DIR (default .data):

` + cli.Usage("facturo")
