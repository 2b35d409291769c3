package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres"
)

// IsOperatorCommand reports whether cmd is one of the operator command
// groups that Operate runs.
func IsOperatorCommand(cmd string) bool {
	switch cmd {
	case "migrate", "projections", "events", "webhooks", "verifactu":
		return true
	}
	return false
}

// Operate runs one operator command (migrate, projections, events,
// webhooks, verifactu) against the PostgreSQL and NATS that cfg names. prog is the
// binary's name, used in messages and usage.
func Operate(ctx context.Context, prog, cmd string, args []string, cfg app.Config, log *slog.Logger, out, errOut io.Writer) error {
	if cmd == "migrate" {
		return migrate(ctx, cfg, out)
	}
	if !IsOperatorCommand(cmd) {
		return fmt.Errorf("unknown command %q\n%s", cmd, Usage(prog))
	}
	return runTool(ctx, prog, cmd, args, cfg, log, out, errOut)
}

func migrate(ctx context.Context, cfg app.Config, out io.Writer) error {
	if cfg.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set")
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		return err
	}
	fmt.Fprintln(out, "migrations applied")
	return nil
}

// Usage lists the operator commands as prog offers them.
func Usage(prog string) string {
	return strings.ReplaceAll(operatorUsage, "PROG", prog)
}

const operatorUsage = `  PROG migrate
      apply database migrations and exit
  PROG projections list
      projections and their checkpoints
  PROG projections status [NAME] [--json]
      checkpoints, lag in events and seconds, rebuilds
  PROG projections rebuild NAME|--all [--restart] [--batch N]
      rebuild from position zero without downtime
  PROG events republish --from X --to Y [--org ORG] [--type TYPE] [--after TXID:POS]
      publish stored events again (X, Y: positions or RFC 3339 times)
  PROG events tail [--org ORG] [--type TYPE] [--mode live|test] [--json]
      follow the stream, one line per event
  PROG events show ID
      one event as JSON
  PROG events poison [--consumer NAME] [--limit N] [--json]
      messages consumers could never apply, recorded and skipped
  PROG webhooks redeliver --endpoint ID --since T [--until T] [--status failed] [--dry-run]
      queue deliveries again
  PROG verifactu verify [--org ORG] [--live|--test]
      walk each VeriFactu record chain end to end; name its first broken link
`
