package command_test

import (
	"context"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/shopspring/decimal"
)

// Key and organization commands never fold the stream of another kind of
// object as theirs: a client id, or a key id whose stream holds client
// events, is not found, and nothing is appended.
func TestAccountCommandsRefuseIDsOfAnotherKind(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	const user = "usr_01JD3Q6Z8W4N5T2Y7R9K0M1P3B"
	org, err := command.CreateOrganization(ctx, st, user, m, accounts.OrganizationInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	live := facturo.Tenant{OrgID: org.ID, Livemode: true}
	c, err := command.CreateClient(ctx, st, live, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	// A key id whose stream is not a key's (the event store refuses to
	// write one; the commands must not rely on that alone).
	forged := events.Stream{ID: id.New(id.Key), OrgID: org.ID, Livemode: true}
	st.streams[forged] = []events.Event{{StreamID: forged.ID, OrgID: org.ID, Livemode: true, StreamVersion: 1,
		Type: events.ClientCreated, Data: []byte(`{}`)}}
	before := len(st.streams)
	name := "x"
	for _, keyID := range []string{c.ID, forged.ID, org.ID, "key_x"} {
		_, err := command.OwnedKey(ctx, st, user, org.ID, keyID)
		wantCode(t, err, facturo.CodeNotFound, "id")
		_, err = command.UpdateKey(ctx, st, user, m, org.ID, keyID, accounts.KeyPatch{Name: &name})
		wantCode(t, err, facturo.CodeNotFound, "id")
		_, err = command.RevokeKey(ctx, st, user, m, org.ID, keyID)
		wantCode(t, err, facturo.CodeNotFound, "id")
	}
	for _, orgID := range []string{c.ID, forged.ID, user} {
		_, err := command.OwnedOrganization(ctx, st, user, orgID)
		wantCode(t, err, facturo.CodeNotFound, "id")
		_, err = command.SetOrganizationAccess(ctx, st, m, orgID, true)
		wantCode(t, err, facturo.CodeNotFound, "id")
	}
	if len(st.streams) != before || len(st.streams[forged]) != 1 || len(st.streams[events.Stream{ID: c.ID, OrgID: org.ID, Livemode: true}]) != 1 {
		t.Fatalf("refused commands appended events")
	}
}

// Issuing refuses a series no one created (a draft from before series had
// to exist) but the default A, and a series past invoicing.MaxFolio; the
// refused transaction takes no number.
func TestIssueRefusesSeriesNeverCreatedOrExhausted(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	org := facturo.Tenant{OrgID: "org_1", Livemode: true}
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	c, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price := decimal.RequireFromString("10")
	in := invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03", Series: "OLD",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "x", Price: &price}}}}}
	_, err = command.CreateInvoice(ctx, st, org, m, in)
	wantCode(t, err, facturo.CodeNotFound, "series")
	client, _ := invoicing.FoldClient(st.streams[events.Stream{ID: c.ID, OrgID: org.OrgID, Livemode: true}])
	drafts, err := invoicing.NewInvoice(in, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := invoicing.InvoiceKind.New()
	if err := st.Run(ctx, events.Metadata{}, nil, func(tx command.Tx) error {
		_, err := tx.Append(ctx, events.Stream{ID: old, OrgID: org.OrgID, Livemode: true}, 0, drafts...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = command.IssueInvoice(ctx, st, org, m, old, command.None{})
	wantCode(t, err, facturo.CodeInvalidState, "")
	if _, ok := st.counters["org_1/live/OLD"]; ok {
		t.Fatal("a refused issue left a counter behind")
	}
	if _, err := command.CreateSeries(ctx, st, org, m, invoicing.SeriesInput{Code: "MAX", NextNumber: invoicing.MaxFolio}); err != nil {
		t.Fatal(err)
	}
	in.Series = "max"
	for i, want := range []string{"", facturo.CodeInvalidState} {
		inv, err := command.CreateInvoice(ctx, st, org, m, in)
		if err != nil {
			t.Fatal(err)
		}
		inv, err = command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{})
		if want == "" {
			if err != nil || inv.FolioNumber != invoicing.MaxFolio {
				t.Fatalf("issue %d: %v, folio %v", i, err, inv)
			}
			continue
		}
		wantCode(t, err, want, "")
	}
}
