package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
)

// Two transactions that lock the same two rows in opposite orders
// deadlock; PostgreSQL aborts one of them. Transact runs the victim again,
// so both succeed: a deadlock between two correct requests (deleting a
// webhook endpoint while a delivery to it completes, say) is never a 500.
func TestTransactRetriesADeadlockVictim(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE deadlock_pair (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
		INSERT INTO deadlock_pair (id) VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	var once [2]sync.Once
	lockBoth := func(i, first, second int) error {
		return db.Transact(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE deadlock_pair SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			once[i].Do(func() { firstLocks.Done(); firstLocks.Wait() }) // both hold their first row
			_, err := tx.Exec(ctx, `UPDATE deadlock_pair SET n = n + 1 WHERE id = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(0, 1, 2) }()
	go func() { errs <- lockBoth(1, 2, 1) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed: %v", err)
		}
	}
	var total int
	if err := db.Pool.QueryRow(ctx, `SELECT sum(n) FROM deadlock_pair`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Fatalf("sum %d, want 4: each transaction applied once", total)
	}
}
