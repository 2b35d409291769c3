package recurring_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/recurring"
	"github.com/shopspring/decimal"
)

// env is a migrated database, its command store and a tenant with a client.
type env struct {
	dsn    string
	db     *postgres.DB
	store  command.Store
	tenant facturo.Tenant
	client string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.Migrated(t)
	db, err := postgres.Open(ctx, dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e := &env{dsn: dsn, db: db, store: postgres.NewEventStore(db, events.Upcast).Commands(),
		tenant: facturo.Tenant{OrgID: "org_recurring", Livemode: false}}
	c, err := command.CreateClient(ctx, e.store, e.tenant, command.Meta{Now: time.Now()}, invoicing.ClientInput{
		LegalName: "Acme", TaxID: "AAA010101AAA", Email: "billing@acme.mx", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c.ID
	return e
}

func (e *env) template(t *testing.T, now time.Time, in invoicing.RecurringInvoiceInput) *invoicing.RecurringInvoice {
	t.Helper()
	price, no := decimal.RequireFromString("100"), false
	in.Invoice = invoicing.InvoiceInput{Client: e.client, PaymentForm: "03", Items: []invoicing.ItemInput{
		{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Hosting", Price: &price, TaxIncluded: &no}}}}}
	r, err := command.CreateRecurringInvoice(context.Background(), e.store, e.tenant, command.Meta{Now: now}, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// generated is what the database holds of a template's invoices.
type generated struct {
	folios  []int64     // of the issued invoices, in issue order
	periods []time.Time // recurring_period of each invoice, in creation order
	issued  []time.Time
	runs    []invoicing.RecurringRun // the template's generated events
}

func (e *env) generated(t *testing.T, templateID string) generated {
	t.Helper()
	ctx := context.Background()
	var g generated
	rows, err := e.db.Pool.Query(ctx, `SELECT type, data, metadata FROM events
		WHERE org_id = $1 AND type IN ('invoice.created', 'invoice.issued') ORDER BY position`, e.tenant.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	causes := map[string]bool{}
	for rows.Next() {
		var typ string
		var data, meta []byte
		if err := rows.Scan(&typ, &data, &meta); err != nil {
			t.Fatal(err)
		}
		var c invoicing.InvoiceContent
		var iss invoicing.Issued
		var md events.Metadata
		if err := errors.Join(json.Unmarshal(data, &c), json.Unmarshal(data, &iss), json.Unmarshal(meta, &md)); err != nil {
			t.Fatal(err)
		}
		causes[md.CausationID] = true
		if typ == invoicing.InvoiceIssued {
			g.folios, g.issued = append(g.folios, iss.FolioNumber), append(g.issued, iss.IssuedAt)
		} else if c.RecurringInvoice == templateID {
			g.periods = append(g.periods, *c.RecurringPeriod)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	history, err := e.store.Load(ctx, events.Stream{ID: templateID, OrgID: e.tenant.OrgID, Livemode: e.tenant.Livemode})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range history {
		if ev.Type == invoicing.RecurringGenerated {
			var run invoicing.RecurringRun
			if err := ev.Decode(&run); err != nil {
				t.Fatal(err)
			}
			if !causes[run.Run] || ev.Metadata.CausationID != run.Run {
				t.Errorf("run %s: its invoice's events do not name it as their causation", run.Run)
			}
			g.runs = append(g.runs, run)
		}
	}
	return g
}

// clock is a fake time that tests move forward.
type clock struct{ ns atomic.Int64 }

func (c *clock) set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }

// killingStore is a worker that dies in the middle of a run: once armed,
// its next transaction cancels its context right after appending
// recurring_invoice.generated (the period claimed, the invoice appended
// and numbered), before the commit.
type killingStore struct {
	command.Store
	armed  atomic.Bool
	killed atomic.Bool
	cancel context.CancelFunc
}

func (s *killingStore) Run(ctx context.Context, meta events.Metadata, claim *command.Claim, fn func(command.Tx) error) error {
	return s.Store.Run(ctx, meta, claim, func(tx command.Tx) error { return fn(killingTx{Tx: tx, s: s}) })
}

type killingTx struct {
	command.Tx
	s *killingStore
}

func (tx killingTx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	out, err := tx.Tx.Append(ctx, st, expected, drafts...)
	if err == nil && tx.s.armed.Load() && strings.HasPrefix(st.ID, "rinv_") {
		tx.s.armed.Store(false)
		tx.s.killed.Store(true)
		tx.s.cancel()
		return nil, context.Canceled
	}
	return out, err
}

// Two workers run a monthly template (on the 31st, so through short months
// and February) over 14 simulated months; one of them is killed between
// claiming a period and committing it. The template yields exactly 14
// invoices, one per period, dated for it and numbered 1 to 14 without a gap.
func TestTwoRunnersFourteenMonthsWithAKill(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2025, 1, 31, 9, 0, 0, 0, time.UTC)
	tpl := e.template(t, start.Add(-time.Hour), invoicing.RecurringInvoiceInput{
		Interval: invoicing.IntervalMonthly, DayOfMonth: 31, StartAt: &start, Count: 14, Issue: true, Send: true})
	clk := newClock(start)
	a := &recurring.Runner{Store: e.store, Clock: clk.now}
	killer := &killingStore{Store: e.store}
	b := &recurring.Runner{Store: killer, Clock: clk.now}
	passB := func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		killer.cancel = cancel
		_, err := b.Pass(ctx)
		return err
	}
	for month := range 14 {
		clk.set(tpl.At(month).Add(time.Hour))
		if month == 5 { // B claims this period and dies; A comes after
			killer.armed.Store(true)
			if err := passB(); !errors.Is(err, context.Canceled) || !killer.killed.Load() {
				t.Fatalf("month 5: worker B was not killed mid-run: %v", err)
			}
			if _, err := a.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Go(func() { _, errs[0] = a.Pass(context.Background()) })
		wg.Go(func() { errs[1] = passB() })
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("month %d: %v", month, err)
		}
	}
	clk.set(tpl.At(20))
	if n, err := a.Pass(context.Background()); err != nil || n != 0 {
		t.Fatalf("a pass after the last period made %d invoices (%v), want 0", n, err)
	}
	g := e.generated(t, tpl.ID)
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}; !slices.Equal(g.folios, want) {
		t.Fatalf("folios = %v, want %v", g.folios, want)
	}
	if len(g.periods) != 14 || len(g.runs) != 14 {
		t.Fatalf("%d invoices, %d runs recorded, want 14 each", len(g.periods), len(g.runs))
	}
	for n := range 14 {
		if !g.periods[n].Equal(tpl.At(n)) || !g.issued[n].Equal(tpl.At(n)) || *g.runs[n].Period != n {
			t.Errorf("invoice %d: period %s, issued %s, run period %d; want %s", n, g.periods[n], g.issued[n], *g.runs[n].Period, tpl.At(n))
		}
	}
	if got := g.periods[1]; !got.Equal(time.Date(2025, 2, 28, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("February's period = %s, want the 28th", got)
	}
	r := e.load(t, tpl.ID)
	if r.Status() != invoicing.RecurringCompleted || r.Generated != 14 {
		t.Errorf("template: %s after %d invoices, want completed after 14", r.Status(), r.Generated)
	}
}

func (e *env) load(t *testing.T, id string) *invoicing.RecurringInvoice {
	t.Helper()
	h, err := e.store.Load(context.Background(), events.Stream{ID: id, OrgID: e.tenant.OrgID, Livemode: e.tenant.Livemode})
	if err != nil {
		t.Fatal(err)
	}
	r, err := invoicing.FoldRecurringInvoice(h)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A worker down for two days catches a daily template up in its next
// pass: one invoice per missed period, each dated for its period, and
// nothing twice.
func TestCatchUpAfterTwoDaysDown(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	tpl := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &start, Issue: true})
	clk := newClock(start)
	r := &recurring.Runner{Store: e.store, Clock: clk.now}
	pass := func(at time.Time, want int) {
		t.Helper()
		clk.set(at)
		if n, err := r.Pass(context.Background()); err != nil || n != want {
			t.Fatalf("pass at %s made %d invoices (%v), want %d", at, n, err, want)
		}
	}
	pass(start, 1)
	pass(start.AddDate(0, 0, 3).Add(time.Minute), 3) // down through the 2nd and 3rd
	pass(start.AddDate(0, 0, 3).Add(time.Hour), 0)
	g := e.generated(t, tpl.ID)
	if len(g.periods) != 4 || !slices.Equal(g.folios, []int64{1, 2, 3, 4}) {
		t.Fatalf("periods %v, folios %v; want 4 invoices numbered 1 to 4", g.periods, g.folios)
	}
	for n, p := range g.periods {
		if !p.Equal(start.AddDate(0, 0, n)) || !g.issued[n].Equal(p) {
			t.Errorf("invoice %d: period %s issued %s, want %s", n, p, g.issued[n], start.AddDate(0, 0, n))
		}
	}
	if next := e.load(t, tpl.ID).NextRunAt(); next == nil || !next.Equal(start.AddDate(0, 0, 4)) {
		t.Errorf("next run at %v, want %s", next, start.AddDate(0, 0, 4))
	}
}

// Pausing stops the schedule; resuming goes on from the first period at or
// after the resume, without generating the periods it was paused through.
// Generating now makes one invoice and leaves the schedule where it was.
func TestPauseResumeAndGenerateNow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	tpl := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &start})
	clk := newClock(start)
	r := &recurring.Runner{Store: e.store, Clock: clk.now}
	at := func(days int, hours time.Duration) command.Meta {
		clk.set(start.AddDate(0, 0, days).Add(hours))
		return command.Meta{Now: clk.now()}
	}
	if _, err := command.PauseRecurringInvoice(ctx, e.store, e.tenant, at(0, -time.Hour), tpl.ID, command.None{}); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Pass(ctx); err != nil || n != 0 {
		t.Fatalf("a paused template made %d invoices (%v)", n, err)
	}
	if _, err := command.ResumeRecurringInvoice(ctx, e.store, e.tenant, at(3, time.Hour), tpl.ID, command.None{}); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Pass(ctx); err != nil || n != 0 {
		t.Fatalf("resuming generated %d invoices of the paused periods (%v)", n, err)
	}
	inv, err := command.GenerateRecurringInvoice(ctx, e.store, e.tenant, at(3, 2*time.Hour), tpl.ID, command.None{})
	if err != nil || inv.RecurringInvoice != tpl.ID || inv.Status != invoicing.StatusDraft {
		t.Fatalf("generate now: %+v, %v", inv, err)
	}
	got := e.load(t, tpl.ID)
	if next := got.NextRunAt(); next == nil || !next.Equal(start.AddDate(0, 0, 4)) || got.Generated != 1 {
		t.Fatalf("after resume and generate now: next %v, %d generated; want %s, 1", next, got.Generated, start.AddDate(0, 0, 4))
	}
	clk.set(start.AddDate(0, 0, 4))
	if n, err := r.Pass(ctx); err != nil || n != 1 {
		t.Fatalf("the first period after the resume made %d invoices (%v), want 1", n, err)
	}
}

// A template whose invoice can no longer be made (its client was deleted)
// is paused with the reason, instead of holding up the templates due
// after it.
func TestAnUnmakeableInvoicePausesItsTemplate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	broken := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &start})
	if _, err := command.DeleteClient(ctx, e.store, e.tenant, command.Meta{Now: start}, e.client, command.None{}); err != nil {
		t.Fatal(err)
	}
	c, err := command.CreateClient(ctx, e.store, e.tenant, command.Meta{Now: start}, invoicing.ClientInput{
		LegalName: "Beta", TaxID: "BBB010101BBB", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c.ID
	later := start.Add(time.Minute)
	ok := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &later})
	r := &recurring.Runner{Store: e.store, Clock: func() time.Time { return start.Add(time.Hour) }}
	if n, err := r.Pass(ctx); err != nil || n != 1 {
		t.Fatalf("pass made %d invoices (%v), want 1 (the healthy template's)", n, err)
	}
	b := e.load(t, broken.ID)
	if b.Status() != invoicing.RecurringPausedNow || !strings.Contains(b.PauseReason, "client") {
		t.Errorf("broken template: %s, reason %q; want paused naming the client", b.Status(), b.PauseReason)
	}
	if e.load(t, ok.ID).Generated != 1 {
		t.Error("the healthy template generated nothing")
	}
}

// A template that sends its invoices, whose client has since lost its
// email: the invoice is still made and issued, and the run records why it
// was not sent.
func TestARefusedSendKeepsTheInvoice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	tpl := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &start, Issue: true, Send: true})
	none := ""
	if _, err := command.UpdateClient(ctx, e.store, e.tenant, command.Meta{Now: start}, e.client, invoicing.ClientPatch{Email: &none}); err != nil {
		t.Fatal(err)
	}
	r := &recurring.Runner{Store: e.store, Clock: func() time.Time { return start }}
	if n, err := r.Pass(ctx); err != nil || n != 1 {
		t.Fatalf("pass made %d invoices (%v), want 1", n, err)
	}
	g := e.generated(t, tpl.ID)
	if len(g.folios) != 1 || len(g.runs) != 1 || g.runs[0].SendError == "" {
		t.Fatalf("folios %v, runs %+v: want one issued invoice and the send's refusal recorded", g.folios, g.runs)
	}
}

// childDSN, in the environment of a copy of this test binary, makes
// TestAKilledWorkerProcessLosesNothing's worker: it runs a pass that
// stops, forever, right after appending recurring_invoice.generated (the
// period claimed, the invoice appended and numbered), and says so.
const childDSN = "FACTURO_RECURRING_TEST_CHILD_DSN"

// A worker process killed (SIGKILL) between claiming a period and
// committing it leaves nothing behind: PostgreSQL rolls its transaction
// back when the connection drops, and the next worker makes the period's
// invoice once, with the number the dead one had taken.
func TestAKilledWorkerProcessLosesNothing(t *testing.T) {
	start := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	if dsn := os.Getenv(childDSN); dsn != "" {
		runStuckWorker(t, dsn, start)
		return
	}
	e := newEnv(t)
	tpl := e.template(t, start, invoicing.RecurringInvoiceInput{Interval: invoicing.IntervalDaily, StartAt: &start, Issue: true})
	cmd := exec.Command(os.Args[0], "-test.run=^TestAKilledWorkerProcessLosesNothing$")
	cmd.Env = append(os.Environ(), childDSN+"="+e.dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "claimed") {
		_ = cmd.Process.Kill()
		t.Fatalf("the worker process did not reach its commit: %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	r := &recurring.Runner{Store: e.store, Clock: func() time.Time { return start }}
	deadline := time.Now().Add(20 * time.Second)
	for made := 0; made == 0; { // the server notices the dropped connection shortly
		if time.Now().After(deadline) {
			t.Fatal("the killed worker's period was never made")
		}
		if made, err = r.Pass(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	g := e.generated(t, tpl.ID)
	if !slices.Equal(g.folios, []int64{1}) || len(g.runs) != 1 || len(g.periods) != 1 {
		t.Fatalf("folios %v, %d runs, %d invoices: want one invoice, number 1", g.folios, len(g.runs), len(g.periods))
	}
}

func runStuckWorker(t *testing.T, dsn string, now time.Time) {
	db, err := postgres.Open(context.Background(), dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	st := &stuckStore{Store: postgres.NewEventStore(db, events.Upcast).Commands()}
	r := &recurring.Runner{Store: st, Clock: func() time.Time { return now }}
	_, err = r.Pass(context.Background())
	t.Fatalf("the stuck pass returned: %v", err)
}

// stuckStore's transactions block forever once they have appended to a
// recurring invoice's stream.
type stuckStore struct{ command.Store }

func (s *stuckStore) Run(ctx context.Context, meta events.Metadata, claim *command.Claim, fn func(command.Tx) error) error {
	return s.Store.Run(ctx, meta, claim, func(tx command.Tx) error { return fn(stuckTx{tx}) })
}

type stuckTx struct{ command.Tx }

func (tx stuckTx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	out, err := tx.Tx.Append(ctx, st, expected, drafts...)
	if err == nil && strings.HasPrefix(st.ID, "rinv_") {
		fmt.Println("claimed")
		select {}
	}
	return out, err
}
