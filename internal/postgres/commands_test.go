package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
)

// The idempotency claim is an argument of Run, not a context value: the
// transaction that commits the command's events marks exactly that claim
// committed (so Release keeps it), and a failed one leaves it releasable.
func TestCommandRunCommitsTheClaimItIsGiven(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(db, events.Upcast).Commands()
	keys := postgres.NewIdempotencyStore(db)
	st := events.Stream{ID: "cli_claim", OrgID: "org_claim", Livemode: false}
	run := func(key string, fail bool) {
		t.Helper()
		if rec, err := keys.Claim(ctx, "org:org_claim:test", key, "hash", time.Minute); err != nil || rec != nil {
			t.Fatalf("claim %s: %v, %v", key, rec, err)
		}
		claim := &command.Claim{Scope: "org:org_claim:test", Key: key}
		err := store.Run(ctx, events.Metadata{}, claim, func(tx command.Tx) error {
			history, err := tx.Load(ctx, st)
			if err != nil {
				return err
			}
			if _, err := tx.Append(ctx, st, len(history), events.Draft{Type: "client.updated", Data: map[string]string{}}); err != nil {
				return err
			}
			if fail {
				return errors.New("decision failed")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("run %s: %v", key, err)
		}
		if err := keys.Release(ctx, "org:org_claim:test", key); err != nil {
			t.Fatal(err)
		}
	}
	run("committed", false)
	run("failed", true)
	committed := map[string]bool{}
	rows, err := db.Pool.Query(ctx, `SELECT key, committed FROM idempotency_keys WHERE scope = 'org:org_claim:test'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var c bool
		if err := rows.Scan(&k, &c); err != nil {
			t.Fatal(err)
		}
		committed[k] = c
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(committed) != 1 || !committed["committed"] {
		t.Fatalf("keys after release: %v, want only the committed one, marked committed", committed)
	}
	history, err := store.Load(ctx, st)
	if err != nil || len(history) != 1 {
		t.Fatalf("stream has %d events (%v), want 1: the failed run appended nothing", len(history), err)
	}
}

// A claim commits once. Two attempts that both hold it (the second took
// over after the first's lock expired, while the first was still running)
// cannot both commit: the later fails with idempotency_key_in_use and
// writes nothing. The committing transaction records the claim's answer,
// encoded with reads that see the transaction's own writes.
func TestClaimCommitsOnceWithItsAnswer(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(db, events.Upcast).Commands()
	keys := postgres.NewIdempotencyStore(db)
	tenant := facturo.Tenant{OrgID: "org_once", Livemode: false}
	const scope = "org:org_once:test"
	if rec, err := keys.Claim(ctx, scope, "once", "hash", time.Minute); err != nil || rec != nil {
		t.Fatalf("claim: %v, %v", rec, err)
	}
	attempt := func(code string, next int64) error {
		claim := &command.Claim{Scope: scope, Key: "once", Answer: func(ctx context.Context, result any) (int, []byte, error) {
			numbers, err := postgres.NextNumbers(ctx, db, tenant)
			return 201, fmt.Appendf(nil, `{"code":%q,"next":%d}`, result.(*invoicing.Series).Code, numbers[code]), err
		}}
		_, err := command.CreateSeries(ctx, store, tenant, command.Meta{Claim: claim}, invoicing.SeriesInput{Code: code, NextNumber: next})
		return err
	}
	if err := attempt("A", 41); err != nil {
		t.Fatal(err)
	}
	err = attempt("B", 50)
	var fe *facturo.Error
	if !errors.As(err, &fe) || fe.Code != facturo.CodeIdempotencyInUse {
		t.Fatalf("second commit of one claim: %v, want idempotency_key_in_use", err)
	}
	rec, err := keys.Claim(ctx, scope, "once", "hash", time.Minute)
	if err != nil || rec == nil || rec.Status != 201 || string(rec.Body) != `{"code":"A","next":41}` {
		t.Fatalf("replay: %+v, %v; want the first attempt's answer, with the counter it moved", rec, err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE org_id = $1`, tenant.OrgID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d events (%v), want the first attempt's one", n, err)
	}
}
