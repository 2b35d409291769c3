package command_test

import (
	"context"
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

// issuedInvoice creates and issues an invoice of 2 × 100 plus the
// default IVA of its country for a client with taxID.
func issuedInvoice(t *testing.T, st command.Store, org facturo.Tenant, m command.Meta, taxID string) *invoicing.Invoice {
	t.Helper()
	ctx := context.Background()
	c, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: taxID,
		Email: "a@acme.example", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price, qty, no := decimal.RequireFromString("100"), decimal.RequireFromString("2"), false
	p, err := command.CreateProduct(ctx, st, org, m, invoicing.ProductInput{Description: "Widget", Price: &price, TaxIncluded: &no})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := command.CreateInvoice(ctx, st, org, m, invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{ID: p.ID}, Quantity: &qty}}})
	if err != nil {
		t.Fatal(err)
	}
	if inv, err = command.IssueInvoice(ctx, st, org, m, inv.ID, command.None{}); err != nil {
		t.Fatal(err)
	}
	return inv
}

// esClient is a valid Spanish NIF (a DNI) for the clients of Spanish
// organizations.
const esClient = "12345678Z"

func newOrganization(t *testing.T, st command.Store, m command.Meta, in accounts.OrganizationInput) string {
	t.Helper()
	o, err := command.CreateOrganization(context.Background(), st, "usr_1", m, in)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// Every command that issues or cancels an invoice of a Spanish
// organization chains a billing record in its own transaction: the
// invoice's alta, the credit note's (a rectifying invoice, negative), the
// cancellation's anulación; test mode keeps its own chain; a Mexican
// organization keeps none.
func TestIssuingAndCancelingChainBillingRecords(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	es := facturo.Tenant{OrgID: newOrganization(t, st, m, accounts.OrganizationInput{Name: "Uno", TaxID: "B12345674", Country: "ES"}), Livemode: true}

	inv := issuedInvoice(t, st, es, m, esClient)
	note, err := command.CorrectInvoice(ctx, st, es, m, inv.ID, invoicing.CorrectionInput{Reason: "descuento", Kind: "R4"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.VoidInvoice(ctx, st, es, m, inv.ID, invoicing.CancelInput{Reason: "02"}); err != nil {
		t.Fatal(err)
	}
	// Replaced by substitution: the rectifying invoice's alta restates it
	// whole, and the original, voided in its favour, gets no anulación.
	replaced := issuedInvoice(t, st, es, m, esClient)
	one := decimal.RequireFromString("1")
	sub, err := command.CorrectInvoice(ctx, st, es, m, replaced.ID, invoicing.CorrectionInput{Reason: "precio", Method: "S",
		Items: []invoicing.CorrectionItem{{Line: 0, Quantity: &one}}})
	if err != nil {
		t.Fatal(err)
	}
	chain := st.chains[es]
	type rec struct{ kind, invoice, typ, tax, total string }
	want := []rec{
		{verifactu.KindAlta, inv.ID, "F1", "42.00", "242.00"},
		{verifactu.KindAlta, note.ID, "R4", "-42.00", "-242.00"},
		{verifactu.KindAnulacion, inv.ID, "", "0.00", "0.00"},
		{verifactu.KindAlta, replaced.ID, "F1", "42.00", "242.00"},
		{verifactu.KindAlta, sub.ID, "R1", "21.00", "121.00"},
	}
	if len(chain) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(chain), len(want), chain)
	}
	for i, w := range want {
		r := chain[i]
		got := rec{r.Kind, r.InvoiceID, r.InvoiceType, verifactu.Amount(r.TaxTotal), verifactu.Amount(r.Total)}
		if got != w || r.IssuerNIF != "B12345674" || r.Status != verifactu.StatusPending {
			t.Errorf("record %d: %+v (%s, %s), want %+v", i+1, got, r.IssuerNIF, r.Status, w)
		}
	}
	if chain[2].InvoiceNumber != inv.Number || !chain[2].IssueDate.Equal(inv.IssuedAt) {
		t.Errorf("anulación names %s of %v, want %s of %v", chain[2].InvoiceNumber, chain[2].IssueDate, inv.Number, inv.IssuedAt)
	}
	if b := verifactu.Verify(chain); b != nil {
		t.Errorf("chain: %v", b)
	}

	test := facturo.Tenant{OrgID: es.OrgID, Livemode: false}
	issuedInvoice(t, st, test, m, esClient)
	if got := st.chains[test]; len(got) != 1 || got[0].PreviousHash != "" || len(st.chains[es]) != len(want) {
		t.Errorf("test mode: %d records (previous %q); live: %d", len(got), got[0].PreviousHash, len(st.chains[es]))
	}

	mx := facturo.Tenant{OrgID: newOrganization(t, st, m, accounts.OrganizationInput{Name: "Dos", TaxID: "AAA010101AAA"}), Livemode: true}
	issuedInvoice(t, st, mx, m, "AAA010101AAA")
	if got := st.chains[mx]; len(got) != 0 {
		t.Errorf("a Mexican organization kept %d records", len(got))
	}
}

// A Spanish organization without a NIF cannot issue: its record would
// name no issuer. The refusal changes nothing.
func TestSpanishOrganizationWithoutTaxIDCannotIssue(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	es := facturo.Tenant{OrgID: newOrganization(t, st, m, accounts.OrganizationInput{Name: "Uno", Country: "ES"}), Livemode: true}
	c, err := command.CreateClient(ctx, st, es, m, invoicing.ClientInput{LegalName: "Acme", TaxID: esClient,
		Email: "a@acme.example", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price, no := decimal.RequireFromString("10"), false
	p, err := command.CreateProduct(ctx, st, es, m, invoicing.ProductInput{Description: "Widget", Price: &price, TaxIncluded: &no})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := command.CreateInvoice(ctx, st, es, m, invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{ID: p.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = command.IssueInvoice(ctx, st, es, m, inv.ID, command.None{})
	wantCode(t, err, facturo.CodeInvalidState, "")
	if got := st.streams[events.Stream{ID: inv.ID, OrgID: es.OrgID, Livemode: es.Livemode}]; len(got) != 1 || len(st.chains[es]) != 0 {
		t.Errorf("refused issue left %d events, %d records", len(got), len(st.chains[es]))
	}
}
