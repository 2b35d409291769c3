package command_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/shopspring/decimal"
)

// memStore is a command.Store in memory: a transaction works on copies
// that replace the store's state only if fn succeeds. It proves the
// commands need nothing of PostgreSQL beyond the interfaces.
type memStore struct {
	streams  map[events.Stream][]events.Event
	counters map[string]command.Counter // by org/mode/series
	chains   map[facturo.Tenant][]verifactu.Record
	claims   []*command.Claim
	known    command.Countries
}

type memTx struct {
	streams  map[events.Stream][]events.Event
	counters map[string]command.Counter
	chains   map[facturo.Tenant][]verifactu.Record
	known    *command.Countries
}

func newMemStore() *memStore {
	return &memStore{streams: map[events.Stream][]events.Event{}, counters: map[string]command.Counter{},
		chains: map[facturo.Tenant][]verifactu.Record{}}
}

func (s *memStore) Run(ctx context.Context, _ events.Metadata, claim *command.Claim, fn func(command.Tx) error) error {
	s.claims = append(s.claims, claim)
	tx := &memTx{streams: maps.Clone(s.streams), counters: maps.Clone(s.counters), chains: maps.Clone(s.chains), known: &s.known}
	if err := fn(tx); err != nil {
		return err
	}
	if _, _, _, err := claim.Response(ctx); err != nil { // in the transaction, as postgres does
		return err
	}
	s.streams, s.counters, s.chains = tx.streams, tx.counters, tx.chains
	return nil
}

func (tx *memTx) AppendBillingRecord(_ context.Context, t facturo.Tenant, e verifactu.Entry) (verifactu.Record, error) {
	chain := tx.chains[t]
	var prev *verifactu.Record
	if len(chain) > 0 {
		prev = &chain[len(chain)-1]
	}
	e.GeneratedAt = time.Now().Truncate(time.Second)
	r := verifactu.Link(prev, e)
	r.ID, r.OrgID, r.Livemode = fmt.Sprintf("vfr_%d", r.Sequence), t.OrgID, t.Livemode
	tx.chains[t] = append(chain[:len(chain):len(chain)], r)
	return r, nil
}

func (s *memStore) Load(_ context.Context, st events.Stream) ([]events.Event, error) {
	return s.streams[st], nil
}

func (tx *memTx) Countries() *command.Countries { return tx.known }

func (tx *memTx) Load(_ context.Context, st events.Stream) ([]events.Event, error) {
	return tx.streams[st], nil
}

func (tx *memTx) Append(_ context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	history := tx.streams[st]
	if len(history) != expected {
		return nil, facturo.Errorf(facturo.CodeVersionConflict, "conflict")
	}
	var out []events.Event
	for _, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, events.Event{OrgID: st.OrgID, Livemode: st.Livemode, StreamID: st.ID,
			StreamVersion: len(history) + len(out) + 1, Type: d.Type, SchemaVersion: 1, Data: data, CreatedAt: time.Now().UTC()})
	}
	tx.streams[st] = append(history[:len(history):len(history)], out...)
	return out, nil
}

func counterKey(t facturo.Tenant, series string) string {
	return t.OrgID + "/" + t.Mode() + "/" + series
}

func (tx *memTx) SeriesID(_ context.Context, t facturo.Tenant, series string) (string, error) {
	return tx.counters[counterKey(t, series)].SeriesID, nil
}

func (tx *memTx) LockCounter(_ context.Context, t facturo.Tenant, series string) (command.Counter, error) {
	c, ok := tx.counters[counterKey(t, series)]
	if !ok {
		c = command.Counter{Series: series, NextNumber: 1}
	}
	return c, nil
}

func (tx *memTx) TakeNumber(ctx context.Context, t facturo.Tenant, series string) (command.Counter, int64, error) {
	c, _ := tx.LockCounter(ctx, t, series)
	n := c.NextNumber
	c.NextNumber, c.LastIssued = n+1, n
	tx.counters[counterKey(t, series)] = c
	return c, n, nil
}

func (tx *memTx) ClaimSeries(ctx context.Context, t facturo.Tenant, code, seriesID string, next int64) error {
	c, _ := tx.LockCounter(ctx, t, code)
	c.SeriesID, c.NextNumber = seriesID, next
	tx.counters[counterKey(t, code)] = c
	return nil
}

func (tx *memTx) MoveSeries(ctx context.Context, t facturo.Tenant, code string, next int64) error {
	c, _ := tx.LockCounter(ctx, t, code)
	c.NextNumber = next
	tx.counters[counterKey(t, code)] = c
	return nil
}

func wantCode(t *testing.T, err error, code, param string) {
	t.Helper()
	var e *facturo.Error
	if !errors.As(err, &e) || e.Code != code || e.Param != param {
		t.Fatalf("err = %v, want %s on param %q", err, code, param)
	}
}

// One invoice's life through the commands alone: the client and product
// are read in the invoice's transaction, issuing takes the series' next
// number, a refused issue takes none, and every transaction got the claim
// of its call.
func TestInvoiceCommands(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	org := facturo.Tenant{OrgID: "org_1", Livemode: false}
	claim := &command.Claim{Scope: "org:org_1:test", Key: "k1"}
	m := command.Meta{Claim: claim, Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}

	c, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Email: "a@acme.mx", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price, qty, no := decimal.RequireFromString("100"), decimal.RequireFromString("2"), false
	p, err := command.CreateProduct(ctx, st, org, m, invoicing.ProductInput{Description: "Widget", Price: &price, TaxIncluded: &no})
	if err != nil {
		t.Fatal(err)
	}
	in := invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{ID: p.ID}, Quantity: &qty}}}
	var numbers []int64
	for range 2 {
		inv, err := command.CreateInvoice(ctx, st, org, m, in)
		if err != nil {
			t.Fatal(err)
		}
		if inv, err = command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{}); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, inv.FolioNumber)
		_, err = command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{})
		wantCode(t, err, facturo.CodeInvalidState, "")
	}
	if numbers[0] != 1 || numbers[1] != 2 {
		t.Errorf("issued numbers %v, want [1 2]", numbers)
	}
	for i, got := range st.claims {
		if got != claim {
			t.Fatalf("transaction %d ran with claim %v, want the call's", i, got)
		}
	}

	other := facturo.Tenant{OrgID: "org_2", Livemode: false}
	invs := invoicing.InvoiceKind
	_, err = command.PayInvoice(ctx, st, other, m, firstInvoice(st), invoicing.PaymentInput{})
	wantCode(t, err, facturo.CodeNotFound, "id")
	_, err = command.CorrectInvoice(ctx, st, org, m, "cli_x", invoicing.CorrectionInput{})
	wantCode(t, err, facturo.CodeNotFound, "id")
	_, err = command.CorrectInvoice(ctx, st, org, m, invs.New(), invoicing.CorrectionInput{})
	wantCode(t, err, facturo.CodeNotFound, "id")
}

func firstInvoice(st *memStore) string {
	for s := range st.streams {
		if invoicing.InvoiceKind.Has(s.ID) {
			return s.ID
		}
	}
	return ""
}

// Every command hands its result to its claim inside its transaction, so
// that the store records the answer with the events: what the claim
// answered is exactly what the command returned, and a failed command
// answers nothing. A claim with an Answer but no result is an error, never
// a commit without an answer.
func TestCommandsAnswerTheirClaimInTheTransaction(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	org := facturo.Tenant{OrgID: "org_1", Livemode: false}
	var answered []any
	claim := &command.Claim{Scope: "org:org_1:test", Key: "k1", Answer: func(_ context.Context, result any) (int, []byte, error) {
		answered = append(answered, result)
		return 201, []byte("{}"), nil
	}}
	m := command.Meta{Claim: claim, Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	want := func(name string, got any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(answered) != 1 || answered[0] != got {
			t.Fatalf("%s: the claim answered %v, want exactly the result %v", name, answered, got)
		}
		answered = nil
	}
	c, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA"})
	want("create client", c, err)
	name := "Acme 2"
	c2, err := command.UpdateClient(ctx, st, org, m, c.ID, invoicing.ClientPatch{LegalName: &name})
	want("update client", c2, err)
	ser, err := command.CreateSeries(ctx, st, org, m, invoicing.SeriesInput{Code: "F"})
	want("create series", ser, err)
	price, qty := decimal.RequireFromString("100"), decimal.RequireFromString("1")
	inv, err := command.CreateInvoice(ctx, st, org, m, invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Hour", Price: &price}}, Quantity: &qty}}})
	want("create invoice", inv, err)
	issued, err := command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{})
	want("issue invoice", issued, err)
	note, err := command.CorrectInvoice(ctx, st, org, m, inv.ID, invoicing.CorrectionInput{Reason: "Discount"})
	want("correct invoice", note, err)

	if _, err := command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{}); err == nil || len(answered) != 0 {
		t.Fatalf("a refused command: err %v, answered %v; want an error and no answer", err, answered)
	}
	bare := &command.Claim{Scope: "s", Key: "k", Answer: claim.Answer}
	if _, _, _, err := bare.Response(ctx); err == nil {
		t.Fatal("a claim given no result answered; want an error")
	}
}

func (tx *memTx) KeepLogo(context.Context, string, accounts.Logo, []byte) error { return nil }

func (tx *memTx) ScheduleRecurring(context.Context, facturo.Tenant, string, *time.Time, int) error {
	return nil
}

func (tx *memTx) LockRecurring(context.Context, facturo.Tenant, string) error { return nil }

func (tx *memTx) ClaimDueRecurring(context.Context, time.Time) (command.DueRun, bool, error) {
	return command.DueRun{}, false, nil
}

func (tx *memTx) SaveQuoteLink(context.Context, facturo.Tenant, string, []byte, time.Time) error {
	return nil
}

func (tx *memTx) ScheduleQuoteExpiry(context.Context, facturo.Tenant, string, time.Time) error {
	return nil
}

func (tx *memTx) NextDueQuote(context.Context, time.Time) (facturo.Tenant, string, bool, error) {
	return facturo.Tenant{}, "", false, nil
}

func (tx *memTx) ForgetQuoteExpiry(context.Context, facturo.Tenant, string) error { return nil }
