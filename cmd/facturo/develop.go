package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/cli"
)

// develop runs the developer commands, which use the public API with an
// organization key, like any integration.
func develop(ctx context.Context, cmd string, args []string, getenv func(string) string, cfg app.Config, out, errOut io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(errOut)
	apiBase := fs.String("api-base", "", "the API (default: the running make run)")
	key := fs.String("key", getenv("FACTURO_KEY"), "an organization key (default $FACTURO_KEY)")
	forward := fs.String("forward-to", "", "listen: the local URL that receives the events")
	after := fs.String("after", "", "listen: start after this event stream id (TXID:POSITION) instead of now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" {
		return errors.New(cmd + ": give an organization key with --key or FACTURO_KEY")
	}
	if *apiBase == "" {
		r, err := app.FindRunning(cfg.DataDir)
		if err != nil {
			return fmt.Errorf("%w; or give --api-base", err)
		}
		*apiBase = r.API
	}
	c := client.New(*apiBase, *key)
	switch cmd {
	case "trigger":
		if fs.NArg() != 1 {
			return fmt.Errorf("trigger: name one event type: %s", strings.Join(cli.Triggerable(), ", "))
		}
		id, err := cli.Trigger(ctx, c, *key, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "triggered %s on %s\n", fs.Arg(0), id)
		return nil
	default: // listen
		if *forward == "" || fs.NArg() != 0 {
			return errors.New("listen: give --forward-to URL, e.g. http://localhost:3000/webhooks")
		}
		return listen(ctx, c, *forward, *after, out)
	}
}

func listen(ctx context.Context, c *client.Client, forward, after string, out io.Writer) error {
	acct, err := c.Organizations.Account(ctx)
	if err != nil {
		return err
	}
	mode := "test"
	if acct.Livemode {
		mode = "live"
	}
	l := &cli.Listener{API: c, ForwardTo: forward, Secret: cli.NewSessionSecret(), Out: out,
		HTTP: &http.Client{Timeout: 30 * time.Second}}
	fmt.Fprintf(out, "Forwarding the %s events of %s to %s\nSigning secret of this session: %s\nCtrl-C stops.\n",
		mode, acct.Organization.ID, forward, l.Secret)
	return l.Run(ctx, after)
}
