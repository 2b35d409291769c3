// Package cli holds the operator subcommands (migrate, projections,
// events, webhooks, verifactu) that cmd/facturo and cmd/worker both offer: the same
// flags, output and progress bars whichever binary runs them.
package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"golang.org/x/term"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/projections"
)

// tool is one operator subcommand, run on connected services.
type tool struct {
	svc    *app.Services
	out    io.Writer // results
	errOut io.Writer // progress
}

// runTool connects to the same PostgreSQL and NATS as the services and runs
// one operator subcommand.
func runTool(ctx context.Context, prog, group string, args []string, cfg app.Config, log *slog.Logger, out, errOut io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: missing subcommand\n%s", group, Usage(prog))
	}
	sub, args := args[0], args[1:]
	svc, err := app.Connect(ctx, cfg, log, prog+"-"+group)
	if err != nil {
		return err
	}
	defer svc.Close()
	t := &tool{svc: svc, out: out, errOut: errOut}
	switch group + " " + sub {
	case "projections list", "projections status":
		return t.status(ctx, args, sub == "list")
	case "projections rebuild":
		return t.rebuild(ctx, args)
	case "events republish":
		return t.republish(ctx, args)
	case "events tail":
		return t.tail(ctx, args)
	case "events show":
		return t.show(ctx, args)
	case "events poison":
		return t.poison(ctx, args)
	case "webhooks redeliver":
		return t.redeliver(ctx, args)
	case "verifactu verify":
		return t.verifyChains(ctx, args)
	}
	return fmt.Errorf("unknown command %q\n%s", group+" "+sub, Usage(prog))
}

// parse parses flags placed before or after the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (t *tool) progress(label string) *replay.Progress {
	return &replay.Progress{W: t.errOut, Label: label, Terminal: isTerminal(t.errOut)}
}

// isTerminal reports whether w is an interactive terminal (a character
// device), where progress is redrawn in place rather than logged in lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// projectionNames are the asynchronous projections (with a checkpoint),
// then the inline ones (written with their events, never behind).
func projectionNames() (async, inline []string) {
	for _, p := range app.Projections() {
		async = append(async, p.Name())
	}
	for _, p := range app.InlineProjections() {
		inline = append(inline, p.Name())
	}
	return async, inline
}

func (t *tool) status(ctx context.Context, args []string, brief bool) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	async, inline := projectionNames()
	if len(names) > 0 { // only those named
		var a, in []string
		for _, n := range names {
			if slices.Contains(inline, n) {
				in = append(in, n)
			} else {
				a = append(a, n)
			}
		}
		async, inline = a, in
	}
	names = async
	ps, err := replay.ProjectionPositions(ctx, t.svc.DB, names)
	if err != nil {
		return err
	}
	rl, err := replay.RelayPosition(ctx, t.svc.DB)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(t.out).Encode(map[string]any{"relay": rl, "projections": ps, "inline_projections": inline})
	}
	defer func() {
		for _, n := range inline {
			fmt.Fprintf(t.out, "%s: inline (written with its events, never behind)\n", n)
		}
	}()
	w := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
	if brief {
		fmt.Fprintln(w, "NAME\tCHECKPOINT (tx/position)\tSTREAM SEQ\tUPDATED")
		for _, p := range ps {
			fmt.Fprintf(w, "%s\t%d/%d\t%d\t%s\n", p.Name, p.Cursor.TxID, p.Cursor.Position, p.StreamSeq, when(p.UpdatedAt))
		}
		return w.Flush()
	}
	fmt.Fprintln(w, "NAME\tCHECKPOINT (tx/position)\tSTREAM SEQ\tLAG EVENTS\tLAG SECONDS\tUPDATED\tREBUILD")
	for _, p := range append([]replay.Position{rl}, ps...) {
		rb := "-"
		if p.Rebuild != nil {
			rb = fmt.Sprintf("%d applied, at %d/%d, since %s", p.Rebuild.Applied, p.Rebuild.Cursor.TxID,
				p.Rebuild.Cursor.Position, when(p.Rebuild.StartedAt))
		}
		fmt.Fprintf(w, "%s\t%d/%d\t%d\t%d\t%.1f\t%s\t%s\n", p.Name, p.Cursor.TxID, p.Cursor.Position, p.StreamSeq,
			p.Lag.Events, p.Lag.Seconds, when(p.UpdatedAt), rb)
	}
	return w.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func (t *tool) rebuild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("rebuild", flag.ContinueOnError)
	all := fs.Bool("all", false, "rebuild every projection")
	restart := fs.Bool("restart", false, "discard an interrupted rebuild instead of resuming it")
	batch := fs.Int("batch", 2000, "events per read and transaction")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	tabled := map[string]projections.Tabled{}
	for _, p := range app.Projections() {
		if tp, ok := p.(projections.Tabled); ok {
			tabled[p.Name()] = tp
		}
	}
	inline := map[string]projections.Inline{}
	for _, p := range app.InlineProjections() {
		inline[p.Name()] = p
	}
	async, inl := projectionNames()
	known := strings.Join(append(async, inl...), ", ")
	if *all {
		names = append(async, inl...)
	}
	if len(names) == 0 {
		return fmt.Errorf("rebuild: name a projection (%s) or pass --all", known)
	}
	for _, n := range names {
		if tabled[n] == nil && inline[n] == nil {
			return fmt.Errorf("rebuild: unknown projection %q (have %s)", n, known)
		}
	}
	for _, n := range names {
		bar := t.progress("rebuild " + n)
		rb := &projections.Rebuilder{DB: t.svc.DB, Store: t.svc.Store, BatchSize: *batch, Progress: bar.Update}
		if p := inline[n]; p != nil {
			res, err := rb.RebuildInline(ctx, p)
			if errors.Is(err, context.Canceled) {
				fmt.Fprintf(t.errOut, "\nrebuild %s interrupted and rolled back; run the command again\n", n)
				return err
			}
			if err != nil {
				return err
			}
			bar.Done(res.Applied)
			fmt.Fprintf(t.out, "%s rebuilt in place: %d events up to %d/%d in %s\n",
				n, res.Applied, res.Cursor.TxID, res.Cursor.Position, res.Duration.Round(time.Millisecond))
			continue
		}
		res, err := rb.Rebuild(ctx, tabled[n], *restart)
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(t.errOut, "\nrebuild %s interrupted; run the command again to resume\n", n)
			return err
		}
		if err != nil {
			return err
		}
		bar.Done(res.Applied)
		resumed := ""
		if res.Resumed {
			resumed = " (resumed)"
		}
		fmt.Fprintf(t.out, "%s rebuilt%s: %d events up to %d/%d in %s, swapped in\n",
			n, resumed, res.Applied, res.Cursor.TxID, res.Cursor.Position, res.Duration.Round(time.Millisecond))
	}
	return nil
}

// rangeFlags reads --from/--to as positions or RFC 3339 times.
func rangeFlags(from, to, org, typ string) (replay.Range, error) {
	r := replay.Range{OrgID: org, Type: typ}
	for _, b := range []struct {
		name, v string
		pos     *int64
		at      *time.Time
	}{{"--from", from, &r.FromPos, &r.From}, {"--to", to, &r.ToPos, &r.To}} {
		if b.v == "" {
			continue
		}
		if n, err := strconv.ParseInt(b.v, 10, 64); err == nil {
			*b.pos = n
			continue
		}
		at, err := time.Parse(time.RFC3339, b.v)
		if err != nil {
			return r, fmt.Errorf("%s %q: want a position or an RFC 3339 time", b.name, b.v)
		}
		*b.at = at
	}
	if from == "" && to == "" {
		return r, fmt.Errorf("republish: give --from and/or --to")
	}
	return r, nil
}

func (t *tool) republish(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("republish", flag.ContinueOnError)
	from := fs.String("from", "", "first position or time (inclusive)")
	to := fs.String("to", "", "last position (inclusive) or time (exclusive)")
	org := fs.String("org", "", "only this organization")
	typ := fs.String("type", "", "only this event type")
	after := fs.String("after", "", "resume an interrupted run: skip events up to this cursor (TXID:POSITION, printed on interrupt)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	r, err := rangeFlags(*from, *to, *org, *typ)
	if err != nil {
		return err
	}
	if *after != "" {
		if r.After, err = events.ParseCursor(*after); err != nil {
			return fmt.Errorf("--after %q: %w", *after, err)
		}
	}
	bar := t.progress("republish")
	n, last, err := replay.Republish(ctx, t.svc.Store, t.svc.JS, r, bar.Update)
	if err != nil {
		resume := ""
		if last != (events.Cursor{}) {
			resume = fmt.Sprintf("; to resume, run the same command with --after %d:%d", last.TxID, last.Position)
		}
		return fmt.Errorf("republished %d events%s; stopped by: %w", n, resume, err)
	}
	bar.Done(n)
	fmt.Fprintf(t.out, "republished %d events\n", n)
	return nil
}

func (t *tool) tail(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	org := fs.String("org", "", "only this organization")
	typ := fs.String("type", "", "only this event type (NATS wildcards allowed: invoice.*)")
	mode := fs.String("mode", "", "live or test")
	asJSON := fs.Bool("json", false, "print each event as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *mode != "" && *mode != "live" && *mode != "test" {
		return fmt.Errorf("tail: --mode is live or test")
	}
	enc := json.NewEncoder(t.out)
	return replay.Tail(ctx, t.svc.Stream, *mode, *org, *typ, func(e events.Event) error {
		if *asJSON {
			return enc.Encode(e)
		}
		_, err := fmt.Fprintln(t.out, line(e))
		return err
	})
}

// line is the one-line form of an event.
func line(e events.Event) string {
	mode := "test"
	if e.Livemode {
		mode = "live"
	}
	org := e.OrgID
	if org == "" {
		org = events.NoOrg
	}
	return fmt.Sprintf("%s %8d %s %s %-28s %s %s v%d", e.CreatedAt.Format(time.RFC3339Nano), e.Position, mode, org,
		e.Type, e.ID, e.StreamID, e.StreamVersion)
}

func (t *tool) show(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(ids) != 1 {
		return fmt.Errorf("show: give one event id")
	}
	e, err := replay.Show(ctx, t.svc.Store, ids[0])
	if err != nil {
		return err
	}
	enc := json.NewEncoder(t.out)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// poison lists the messages consumers recorded as poison and skipped.
func (t *tool) poison(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("poison", flag.ContinueOnError)
	consumer := fs.String("consumer", "", "only this consumer (webhooks-fanout, a projection name)")
	limit := fs.Int("limit", 100, "at most this many, newest first")
	asJSON := fs.Bool("json", false, "print JSON, one object per line")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	list, err := replay.Poison(ctx, t.svc.DB, *consumer, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(t.out)
		for _, p := range list {
			if err := enc.Encode(p); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(t.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RECORDED\tCONSUMER\tSEQ\tEVENT\tSUBJECT\tERROR")
	for _, p := range list {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", p.At.Format(time.RFC3339), p.Consumer, p.StreamSeq,
			cmp.Or(p.EventID, "-"), p.Subject, strconv.Quote(p.Error))
	}
	return w.Flush()
}

func (t *tool) redeliver(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("redeliver", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "webhook endpoint id (required)")
	since := fs.String("since", "", "events at or after this RFC 3339 time (required)")
	until := fs.String("until", "", "events before this RFC 3339 time (default now)")
	status := fs.String("status", "", "only deliveries in this status: failed, succeeded, skipped")
	dry := fs.Bool("dry-run", false, "list what would be queued, change nothing")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *endpoint == "" || *since == "" {
		return fmt.Errorf("redeliver: --endpoint and --since are required")
	}
	r := replay.Redelivery{EndpointID: *endpoint, Status: *status, DryRun: *dry}
	var err error
	if r.Since, err = time.Parse(time.RFC3339, *since); err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	if *until != "" {
		if r.Until, err = time.Parse(time.RFC3339, *until); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	res, err := replay.Redeliver(ctx, t.svc.Store, r)
	if err != nil {
		return err
	}
	for _, id := range res.Delivered {
		fmt.Fprintln(t.out, id)
	}
	verb := "queued again"
	if *dry {
		verb = "would be queued again (dry run)"
	}
	fmt.Fprintf(t.out, "%d deliveries %s\n", len(res.Delivered), verb)
	return nil
}
