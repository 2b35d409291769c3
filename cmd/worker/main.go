// Command worker runs Facturo's background work (the relay from PostgreSQL
// to NATS JetStream, the projections, webhook delivery) and the operator
// tooling. Any number of copies may run.
//
//	worker [run]                         run the worker components (default)
//	worker migrate                       apply database migrations and exit
//	worker projections list|status       checkpoints and lag
//	worker projections rebuild NAME|--all  rebuild without downtime
//	worker events republish|tail|show    replay tooling
//	worker webhooks redeliver            queue deliveries again
package main

import (
	"context"
	"fmt"
	"io"
	"net"
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
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

// Run dispatches a subcommand.
func Run(ctx context.Context, args []string, getenv func(string) string, out, logOut io.Writer) error {
	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := app.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	log := app.NewLogger(logOut, cfg)
	switch cmd {
	case "run":
		svc, err := app.Connect(ctx, cfg, log, "facturo-worker")
		if err != nil {
			return err
		}
		defer svc.Close()
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", cfg.MetricsAddr, err)
		}
		return app.RunWorker(ctx, svc, ln)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	if cli.IsOperatorCommand(cmd) {
		return cli.Operate(ctx, "worker", cmd, args, cfg, log, out, logOut)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

var usage = `usage: worker <command>

  worker run       run the relay, projections and webhook delivery (default)
` + cli.Usage("worker")
