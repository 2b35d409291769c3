package command_test

import (
	"context"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/shopspring/decimal"
)

// racingStore runs, the first time a command appends, another writer's
// transaction first (concurrent), so that the command's own append finds
// the stream moved: version_conflict, as PostgreSQL answers.
type racingStore struct {
	*memStore
	concurrent func()
	on         string // only an append to this stream races ("": any)
}

func (s *racingStore) Run(ctx context.Context, meta events.Metadata, claim *command.Claim, fn func(command.Tx) error) error {
	return s.memStore.Run(ctx, meta, claim, func(tx command.Tx) error {
		return fn(racingTx{Tx: tx, s: s})
	})
}

type racingTx struct {
	command.Tx
	s *racingStore
}

func (tx racingTx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	if f := tx.s.concurrent; f != nil && (tx.s.on == "" || tx.s.on == st.ID) {
		tx.s.concurrent = nil
		f()
		return nil, facturo.Errorf(facturo.CodeVersionConflict, "The invoice was changed by a concurrent request.")
	}
	return tx.Tx.Append(ctx, st, expected, drafts...)
}

// sentInvoice is a live invoice, issued and sent (its last event, the
// send, has the id evt_send), in a memory store.
func sentInvoice(t *testing.T) (mem *memStore, org facturo.Tenant, m command.Meta, inv *invoicing.Invoice, send events.Event) {
	t.Helper()
	ctx := context.Background()
	mem = newMemStore()
	org = facturo.Tenant{OrgID: "org_1", Livemode: true}
	m = command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	c, err := command.CreateClient(ctx, mem, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Email: "a@acme.mx", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price := decimal.RequireFromString("100")
	inv, err = command.CreateInvoice(ctx, mem, org, m, invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "W", Price: &price}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.IssueInvoice(ctx, mem, org, m, inv.ID, command.None{}); err != nil {
		t.Fatal(err)
	}
	if _, err := command.SendInvoice(ctx, mem, org, m, inv.ID, invoicing.SendInput{}); err != nil {
		t.Fatal(err)
	}
	st := events.Stream{ID: inv.ID, OrgID: org.OrgID, Livemode: org.Livemode}
	h, _ := mem.Load(ctx, st)
	send = h[len(h)-1]
	send.ID = "evt_send"
	mem.streams[st][len(h)-1] = send
	return mem, org, m, inv, send
}

// A request that races the mailer's outcome is decided again on the new
// state, not refused; one that races another request still loses with
// version_conflict.
func TestChangeRacingTheMailerIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	mem, org, m, inv, send := sentInvoice(t)

	racing := &racingStore{memStore: mem, concurrent: func() {
		if err := command.RecordEmail(ctx, mem, m, send, invoicing.EmailOutcome{MessageID: "<evt_send@facturo>"}, true); err != nil {
			t.Fatal(err)
		}
	}}
	paid, err := command.PayInvoice(ctx, racing, org, m, inv.ID, invoicing.PaymentInput{})
	if err != nil {
		t.Fatalf("a payment racing the mailer: %v", err)
	}
	if paid.Status != invoicing.StatusPaid || paid.LastSend.Status != invoicing.SendDelivered {
		t.Errorf("status %s, last_send %+v", paid.Status, paid.LastSend)
	}

	racing.concurrent = func() {
		if _, err := command.SendInvoice(ctx, mem, org, m, inv.ID, invoicing.SendInput{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = command.VoidInvoice(ctx, racing, org, m, inv.ID, invoicing.CancelInput{Reason: "02"})
	wantCode(t, err, facturo.CodeVersionConflict, "")
}

// Every command, not only those that change one object, is decided again
// when it raced only the mailer: a correction appends the credit note and
// the original's invoice.corrected in one transaction of its own, and the
// original's append is the one that meets the mailer's outcome.
func TestCorrectionRacingTheMailerIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	mem, org, m, inv, send := sentInvoice(t)
	st := events.Stream{ID: inv.ID, OrgID: org.OrgID, Livemode: org.Livemode}

	// Another request in between: still a conflict, and nothing is stored.
	racing := &racingStore{memStore: mem, on: inv.ID, concurrent: func() {
		if _, err := command.SendInvoice(ctx, mem, org, m, inv.ID, invoicing.SendInput{}); err != nil {
			t.Fatal(err)
		}
	}}
	_, err := command.CorrectInvoice(ctx, racing, org, m, inv.ID, invoicing.CorrectionInput{Reason: "Discount"})
	wantCode(t, err, facturo.CodeVersionConflict, "")

	racing.concurrent = func() {
		if err := command.RecordEmail(ctx, mem, m, send, invoicing.EmailOutcome{MessageID: "<x@facturo>"}, true); err != nil {
			t.Fatal(err)
		}
	}
	note, err := command.CorrectInvoice(ctx, racing, org, m, inv.ID, invoicing.CorrectionInput{Reason: "Discount"})
	if err != nil {
		t.Fatalf("a correction racing the mailer: %v", err)
	}
	orig, _ := mem.Load(ctx, st)
	if last := orig[len(orig)-1]; last.Type != invoicing.InvoiceCorrected || note.Type != invoicing.TypeEgress {
		t.Errorf("original ends with %s; note type %s", last.Type, note.Type)
	}
}
