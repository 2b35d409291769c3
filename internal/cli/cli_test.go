package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/testenv"
)

// TestTools runs the operator subcommands as an operator would, on an
// empty system: each answers, and the rebuild swaps in an empty table.
func TestTools(t *testing.T) {
	env := map[string]string{"DATABASE_URL": testenv.Postgres(t), "NATS_URL": testenv.NATS(t).URL()}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		log := app.NewLogger(&errOut, cfg)
		err = Operate(context.Background(), "facturo", args[0], args[1:], cfg, log, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "migrations applied"},
		{[]string{"projections", "list"}, "documents"},
		{[]string{"projections", "list"}, "accounts: inline"},
		{[]string{"projections", "rebuild", "accounts"}, "accounts rebuilt in place: 0 events"},
		{[]string{"projections", "status"}, "relay"},
		{[]string{"projections", "rebuild", "--all", "--batch", "100"}, "documents rebuilt: 0 events"},
		{[]string{"events", "republish", "--from", "1", "--to", "2026-01-01T00:00:00Z"}, "republished 0 events"},
		{[]string{"events", "republish", "--from", "1", "--after", "1:0"}, "republished 0 events"},
		{[]string{"projections", "status", "--json"}, `"projections"`},
	} {
		got, err := run(c.args...)
		if err != nil || !strings.Contains(got, c.want) {
			t.Errorf("facturo %s: %q, %v; want %q", strings.Join(c.args, " "), got, err, c.want)
		}
	}
	for _, args := range [][]string{{"events", "show", "evt_missing"}, {"projections", "rebuild", "nope"},
		{"events", "republish"}, {"events", "republish", "--from", "1", "--after", "12"}, {"webhooks", "redeliver", "--endpoint", "we_x", "--since", "2026-01-01T00:00:00Z"}} {
		if _, err := run(args...); err == nil {
			t.Errorf("facturo %s: no error", strings.Join(args, " "))
		}
	}
}
