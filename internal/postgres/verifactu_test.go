package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/shopspring/decimal"
)

// spanishTenant creates a Spanish organization through the commands and
// returns its live tenant, with a client and a product to invoice.
func spanishTenant(t *testing.T, st command.Store) (facturo.Tenant, string, string) {
	t.Helper()
	ctx := context.Background()
	m := command.Meta{Now: time.Now()}
	o, err := command.CreateOrganization(ctx, st, "usr_vf", m, accounts.OrganizationInput{Name: "Uno", TaxID: "B12345674", Country: "ES"})
	if err != nil {
		t.Fatal(err)
	}
	org := facturo.Tenant{OrgID: o.ID, Livemode: true}
	c, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "12345678Z",
		Email: "a@acme.mx", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		t.Fatal(err)
	}
	price, no := decimal.RequireFromString("100"), false
	p, err := command.CreateProduct(ctx, st, org, m, invoicing.ProductInput{Description: "Widget", Price: &price, TaxIncluded: &no})
	if err != nil {
		t.Fatal(err)
	}
	return org, c.ID, p.ID
}

func draft(t *testing.T, st command.Store, org facturo.Tenant, client, product string) string {
	t.Helper()
	inv, err := command.CreateInvoice(context.Background(), st, org, command.Meta{Now: time.Now()},
		invoicing.InvoiceInput{Client: client, PaymentForm: "03", Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{ID: product}}}})
	if err != nil {
		t.Fatal(err)
	}
	return inv.ID
}

func wholeChain(t *testing.T, db *postgres.DB, org facturo.Tenant) []verifactu.Record {
	t.Helper()
	var all []verifactu.Record
	for {
		page, more, err := postgres.BillingRecords(context.Background(), db.Pool, org, postgres.ChainQuery{AfterSequence: int64(len(all)), Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if !more {
			return all
		}
	}
}

func verifyChain(t *testing.T, db *postgres.DB, org facturo.Tenant) (int64, *verifactu.Break) {
	t.Helper()
	ctx := context.Background()
	head, err := postgres.BillingChainHead(ctx, db.Pool, org)
	if err != nil {
		t.Fatal(err)
	}
	n, b, err := verifactu.VerifyAll(ctx, head, func(ctx context.Context, after int64) ([]verifactu.Record, error) {
		page, _, err := postgres.BillingRecords(ctx, db.Pool, org, postgres.ChainQuery{AfterSequence: after, Limit: 5})
		return page, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, b
}

// Issuing and canceling concurrently through two API processes (two pools)
// leaves one linear chain with one record per invoice event: no gap, no
// fork, no record lost or doubled. Cancellations take no series number,
// so only the chain's head serializes them with the issues.
func TestBillingChainStaysLinearUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Migrated(t)
	var stores [2]command.Store
	for i := range stores {
		db, err := postgres.Open(ctx, dsn, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores[i] = postgres.NewEventStore(db, events.Upcast).Commands()
	}
	org, client, product := spanishTenant(t, stores[0])
	const n = 16
	var issued, drafts [n]string
	for i := range n {
		issued[i] = draft(t, stores[0], org, client, product)
		if _, err := command.IssueInvoice(ctx, stores[0], org, command.Meta{Now: time.Now()}, issued[i], command.None{}); err != nil {
			t.Fatal(err)
		}
		drafts[i] = draft(t, stores[1], org, client, product)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, err := command.VoidInvoice(ctx, stores[i%2], org, command.Meta{Now: time.Now()}, issued[i], invoicing.CancelInput{Reason: "02"})
			errs <- err
		})
		wg.Go(func() {
			_, err := command.IssueInvoice(ctx, stores[(i+1)%2], org, command.Meta{Now: time.Now()}, drafts[i], command.None{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	db, err := postgres.Open(ctx, dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chain := wholeChain(t, db, org)
	seen := map[string]int{}
	for i, r := range chain {
		if r.Sequence != int64(i+1) {
			t.Fatalf("record %d has sequence %d", i+1, r.Sequence)
		}
		if i > 0 && r.GeneratedAt.Before(chain[i-1].GeneratedAt) {
			t.Errorf("record %d generated at %v, before the one it follows (%v)", r.Sequence, r.GeneratedAt, chain[i-1].GeneratedAt)
		}
		seen[r.Kind+" "+r.InvoiceID]++
	}
	for i := range n {
		for _, k := range []string{verifactu.KindAlta + " " + issued[i], verifactu.KindAnulacion + " " + issued[i], verifactu.KindAlta + " " + drafts[i]} {
			if seen[k] != 1 {
				t.Errorf("%s: %d records", k, seen[k])
			}
		}
	}
	if len(chain) != 3*n {
		t.Errorf("%d records, want %d", len(chain), 3*n)
	}
	if got, b := verifyChain(t, db, org); b != nil || got != 3*n {
		t.Errorf("verified %d records: %v", got, b)
	}
}

// Altering one stored record, or removing the last, makes the verifier
// name the record where the chain breaks.
func TestVerifierNamesTheAlteredRecord(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.Migrated(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := postgres.NewEventStore(db, events.Upcast).Commands()
	org, client, product := spanishTenant(t, st)
	for range 6 {
		if _, err := command.IssueInvoice(ctx, st, org, command.Meta{Now: time.Now()}, draft(t, st, org, client, product), command.None{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, b := verifyChain(t, db, org); b != nil || got != 6 {
		t.Fatalf("intact chain: %d records, %v", got, b)
	}
	chain := wholeChain(t, db, org)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE verifactu_records SET total = total + 1 WHERE id = $1`, chain[3].ID)
	_, b := verifyChain(t, db, org)
	if b == nil || b.RecordID != chain[3].ID || b.Stored != chain[3].Hash {
		t.Fatalf("altered record 4: break %+v, want it named with its stored huella", b)
	}
	exec(`UPDATE verifactu_records SET total = total - 1 WHERE id = $1`, chain[3].ID)
	exec(`DELETE FROM verifactu_records WHERE id = $1`, chain[5].ID)
	if _, b := verifyChain(t, db, org); b == nil || b.RecordID != chain[4].ID {
		t.Fatalf("last record removed: break %+v, want it found after %s", b, chain[4].ID)
	}
}

// The sandbox submitter takes test mode's pending records in chain order
// and accepts them, or rejects one whose fingerprint does not hold; live
// records are never offered to it and stay pending.
func TestSandboxSubmitsOnlyTestModeRecords(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.Migrated(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := postgres.NewEventStore(db, events.Upcast).Commands()
	live, client, product := spanishTenant(t, st)
	test := facturo.Tenant{OrgID: live.OrgID, Livemode: false}
	testClient, testProduct := client, product
	{
		m := command.Meta{Now: time.Now()}
		c, err := command.CreateClient(ctx, st, test, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "12345678Z",
			Email: "a@acme.mx", Address: invoicing.Address{Zip: "06600"}})
		if err != nil {
			t.Fatal(err)
		}
		price, no := decimal.RequireFromString("5"), false
		p, err := command.CreateProduct(ctx, st, test, m, invoicing.ProductInput{Description: "W", Price: &price, TaxIncluded: &no})
		if err != nil {
			t.Fatal(err)
		}
		testClient, testProduct = c.ID, p.ID
	}
	for range 3 {
		for _, tc := range []struct {
			org             facturo.Tenant
			client, product string
		}{{live, client, product}, {test, testClient, testProduct}} {
			if _, err := command.IssueInvoice(ctx, st, tc.org, command.Meta{Now: time.Now()}, draft(t, st, tc.org, tc.client, tc.product), command.None{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	testChain := wholeChain(t, db, test)
	if _, err := db.Pool.Exec(ctx, `UPDATE verifactu_records SET invoice_number = 'X-1' WHERE id = $1`, testChain[2].ID); err != nil {
		t.Fatal(err)
	}
	q := postgres.BillingQueue{DB: db}
	sandbox := verifactu.Sandbox{Now: time.Now}
	if n, err := q.Submit(ctx, false, 2, sandbox); err != nil || n != 2 {
		t.Fatalf("first batch: %d, %v", n, err)
	}
	if n, err := q.Submit(ctx, false, 2, sandbox); err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v", n, err)
	}
	if n, err := q.Submit(ctx, false, 2, sandbox); err != nil || n != 0 {
		t.Fatalf("drained queue: %d, %v", n, err)
	}
	for i, r := range wholeChain(t, db, test) {
		want := verifactu.StatusAccepted
		if i == 2 {
			want = verifactu.StatusRejected
		}
		if r.Status != want || r.SubmittedAt.IsZero() || r.Detail == "" {
			t.Errorf("test record %d: %s %q at %v, want %s", r.Sequence, r.Status, r.Detail, r.SubmittedAt, want)
		}
	}
	for _, r := range wholeChain(t, db, live) {
		if r.Status != verifactu.StatusPending || !r.SubmittedAt.IsZero() {
			t.Errorf("live record %d: %s", r.Sequence, r.Status)
		}
	}
}

// BenchmarkIssueInvoice measures issuing one invoice (the issue's
// transaction only; the drafts are made beforehand) for a Mexican
// organization, which keeps no VeriFactu chain, and for a Spanish one,
// whose transaction also reads the organization, locks the chain's head
// and appends a record: the baseline and the cost of the chain, measured
// in the same run.
func BenchmarkIssueInvoice(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.Migrated(b), 4)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st := postgres.NewEventStore(db, events.Upcast).Commands()
	m := command.Meta{Now: time.Now()}
	for _, c := range []struct{ country, orgTaxID, clientTaxID string }{{"MX", "AAA010101AAA", "AAA010101AAA"}, {"ES", "B12345674", "12345678Z"}} {
		b.Run(c.country, func(b *testing.B) {
			o, err := command.CreateOrganization(ctx, st, "usr_bench", m, accounts.OrganizationInput{Name: "B", TaxID: c.orgTaxID, Country: c.country})
			if err != nil {
				b.Fatal(err)
			}
			org := facturo.Tenant{OrgID: o.ID, Livemode: true}
			cl, err := command.CreateClient(ctx, st, org, m, invoicing.ClientInput{LegalName: "Acme", TaxID: c.clientTaxID,
				Email: "a@acme.example", Address: invoicing.Address{Zip: "06600"}})
			if err != nil {
				b.Fatal(err)
			}
			drafts := make([]string, b.N)
			price := decimal.RequireFromString("100")
			for i := range drafts {
				inv, err := command.CreateInvoice(ctx, st, org, m, invoicing.InvoiceInput{Client: cl.ID, PaymentForm: "03",
					Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "W", Price: &price}}}}})
				if err != nil {
					b.Fatal(err)
				}
				drafts[i] = inv.ID
			}
			b.ResetTimer()
			for _, id := range drafts {
				if _, err := command.IssueInvoice(ctx, st, org, m, id, command.None{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
