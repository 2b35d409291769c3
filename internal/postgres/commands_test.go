package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
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
