package postgres_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
)

func openDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testenv.Postgres(t), 6)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// held reports whether another session could not take the lock now, by
// the SQL the leaders used before Lead existed: Lead must keep their keys.
func held(t *testing.T, db *postgres.DB, sql string, arg any) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock("+sql+")", arg).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	if ok {
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock("+sql+")", arg); err != nil {
			t.Fatal(err)
		}
	}
	return !ok
}

func advisoryLocks(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLeadKeepsTheKeysOfTheOldLeaders(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	cases := []struct {
		lock postgres.Lock
		sql  string
		arg  any
	}{
		{postgres.LockKey(0x6661637475726f01), "$1::bigint", int64(0x6661637475726f01)},                      // the relay's
		{postgres.LockName("projection:documents"), "hashtextextended('projection:' || $1, 0)", "documents"}, // a projection's
	}
	for _, c := range cases {
		err := db.Lead(ctx, c.lock, 10*time.Millisecond, func(ctx context.Context, conn *pgx.Conn) error {
			if !held(t, db, c.sql, c.arg) {
				t.Errorf("%s: the old SQL could take the lock while Lead held it", c.lock)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if held(t, db, c.sql, c.arg) {
			t.Errorf("%s: still held after Lead returned", c.lock)
		}
	}
}

func TestLeadRunsOneLeaderAndHandsOver(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lock := postgres.LockName("test:leader")
	var leaders, maxLeaders atomic.Int32
	release := make(chan struct{})
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			errc <- db.Lead(ctx, lock, 10*time.Millisecond, func(ctx context.Context, conn *pgx.Conn) error {
				n := leaders.Add(1)
				defer leaders.Add(-1)
				if n > maxLeaders.Load() {
					maxLeaders.Store(n)
				}
				if err := conn.Ping(ctx); err != nil {
					return err
				}
				<-release
				return errors.New("leader done")
			})
		}()
	}
	waitUntil(t, "a leader", func() bool { return leaders.Load() == 1 })
	time.Sleep(50 * time.Millisecond) // the other polls meanwhile
	release <- struct{}{}
	if err := <-errc; err == nil || err.Error() != "leader done" {
		t.Fatalf("first leader returned %v, want fn's error", err)
	}
	waitUntil(t, "the standby to take over", func() bool { return leaders.Load() == 1 })
	release <- struct{}{}
	<-errc
	if maxLeaders.Load() != 1 {
		t.Fatalf("%d leaders at once", maxLeaders.Load())
	}
	if n := advisoryLocks(t, db); n != 0 {
		t.Fatalf("%d advisory locks left after both leaders returned", n)
	}
}

func TestLeadStopsWaitingWhenTheContextEnds(t *testing.T) {
	db := openDB(t)
	lock := postgres.LockKey(42)
	holding := make(chan struct{})
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Lead(context.Background(), lock, time.Second, func(context.Context, *pgx.Conn) error {
			close(holding)
			<-stop
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	called := false
	err := db.Lead(ctx, lock, 10*time.Millisecond, func(context.Context, *pgx.Conn) error { called = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || called {
		t.Fatalf("Lead while another leads: %v (fn called: %v), want the context's error", err, called)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Ending the leader's context ends fn, and the lock is gone with it.
	ctx2, cancel2 := context.WithCancel(context.Background())
	running := make(chan struct{})
	go func() {
		done <- db.Lead(ctx2, lock, time.Second, func(ctx context.Context, _ *pgx.Conn) error {
			close(running)
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	<-running
	cancel2()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Lead returned %v, want fn's error", err)
	}
	if n := advisoryLocks(t, db); n != 0 {
		t.Fatalf("%d advisory locks left", n)
	}
	// Every session Lead took was closed, none went back to the pool.
	if n := db.Pool.Stat().IdleConns(); n > 1 {
		t.Fatalf("%d idle pooled connections, want at most the one the checks used", n)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
