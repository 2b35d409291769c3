package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/shopspring/decimal"
)

// `facturo verifactu verify` walks each chain end to end: an intact chain
// verifies; one stored record altered, the command fails and names it,
// with the fingerprint it should hold and the one it holds.
func TestVerifactuVerifyNamesTheAlteredRecord(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"DATABASE_URL": testenv.Postgres(t), "NATS_URL": testenv.NATS(t).URL()}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		err = Operate(ctx, "facturo", args[0], args[1:], cfg, app.NewLogger(&errOut, cfg), &out, &errOut)
		return out.String(), err
	}
	if _, err := run("migrate"); err != nil {
		t.Fatal(err)
	}
	if got, err := run("verifactu", "verify"); err != nil || !strings.Contains(got, "no VeriFactu chain") {
		t.Fatalf("no chains: %q, %v", got, err)
	}
	db, err := postgres.Open(ctx, env["DATABASE_URL"], 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	live := facturo.Tenant{OrgID: "org_es", Livemode: true}
	var records []verifactu.Record
	for i := range 5 {
		for _, tn := range []facturo.Tenant{live, {OrgID: live.OrgID}} {
			_, err := postgres.NewEventStore(db, events.Upcast).Run(ctx, events.Metadata{}, func(tx *postgres.Tx) error {
				r, err := tx.AppendBillingRecord(ctx, tn, verifactu.Entry{Kind: verifactu.KindAlta, InvoiceID: "inv_x", EventID: "evt_x",
					IssuerNIF: "B12345674", InvoiceNumber: "A-" + string(rune('1'+i)), IssueDate: time.Now(), InvoiceType: "F1",
					TaxTotal: decimal.RequireFromString("21"), Total: decimal.RequireFromString("121")})
				if tn.Livemode {
					records = append(records, r)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := run("verifactu", "verify")
	if err != nil || strings.Count(got, ": ok, 5 records") != 2 {
		t.Fatalf("intact chains: %q, %v", got, err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE verifactu_records SET tax_total = 20 WHERE id = $1`, records[2].ID); err != nil {
		t.Fatal(err)
	}
	got, err = run("verifactu", "verify", "--org", "org_es", "--live")
	if !errors.Is(err, errBrokenChain) || !strings.Contains(got, "first broken link: record "+records[2].ID+" (#3)") ||
		!strings.Contains(got, "stored:   "+records[2].Hash) || strings.Contains(got, " test: ") {
		t.Errorf("altered record: %q, %v", got, err)
	}
	if got, err := run("verifactu", "verify", "--test"); err != nil || !strings.Contains(got, "org_es test: ok, 5 records") {
		t.Errorf("the test chain: %q, %v", got, err)
	}
	if _, err := run("verifactu", "verify", "--live", "--test"); err == nil {
		t.Error("--live --test: no error")
	}
}
