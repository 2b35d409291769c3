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

// A conversion that issues its invoice appends to the invoice's new
// stream twice (created, then issued) before it marks the quote; when
// the quote's append meets the mailer's outcome of the quote's email, the
// conversion is decided again, as any command racing only the mailer is:
// the streams the transaction made itself are no one else's.
func TestConversionRacingTheMailerIsDecidedAgain(t *testing.T) {
	ctx := context.Background()
	mem := newMemStore()
	org := facturo.Tenant{OrgID: "org_1", Livemode: true}
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	c, err := command.CreateClient(ctx, mem, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Email: "a@acme.mx", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price := decimal.RequireFromString("100")
	q, err := command.CreateQuote(ctx, mem, org, m, invoicing.QuoteInput{OfferTerms: invoicing.OfferTerms{Client: c.ID,
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "W", Price: &price}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.SendQuote(ctx, mem, org, m, q.ID, invoicing.SendInput{}); err != nil {
		t.Fatal(err)
	}
	st := events.Stream{ID: q.ID, OrgID: org.OrgID, Livemode: org.Livemode}
	h, _ := mem.Load(ctx, st)
	send := h[len(h)-1]
	send.ID = "evt_send"
	mem.streams[st][len(h)-1] = send
	if _, err := command.AcceptQuote(ctx, mem, org, m, q.ID, command.None{}); err != nil {
		t.Fatal(err)
	}

	racing := &racingStore{memStore: mem, on: q.ID, concurrent: func() {
		if err := command.RecordEmail(ctx, mem, m, send, invoicing.EmailOutcome{MessageID: "<x@facturo>"}, true); err != nil {
			t.Fatal(err)
		}
	}}
	inv, err := command.ConvertQuote(ctx, racing, org, m, q.ID, invoicing.ConvertInput{Issue: true, PaymentForm: "03"})
	if err != nil {
		t.Fatalf("a conversion racing the mailer: %v", err)
	}
	h, _ = mem.Load(ctx, st)
	if last := h[len(h)-1]; last.Type != invoicing.QuoteConverted || inv.Status != invoicing.StatusValid || inv.Quote != q.ID {
		t.Errorf("quote ends with %s; invoice %s from %q", last.Type, inv.Status, inv.Quote)
	}
}
