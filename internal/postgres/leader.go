package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lock names a session advisory lock. Its key must never change for a
// given role: during a rolling deploy, old and new processes must contend
// for the same key, or two of them would lead at once.
type Lock struct {
	key    int64
	name   string
	byName bool
}

// LockKey is the lock with a fixed 64-bit key.
func LockKey(key int64) Lock { return Lock{key: key} }

// LockName is the lock whose key is hashtextextended(name, 0).
func LockName(name string) Lock { return Lock{name: name, byName: true} }

func (l Lock) String() string {
	if l.byName {
		return fmt.Sprintf("lock %q", l.name)
	}
	return fmt.Sprintf("lock %#x", l.key)
}

// Lead makes this process the one leader among all that call Lead with the
// same lock: it takes a dedicated session from the pool, tries the lock
// every poll (default 1s) while another session holds it, and runs fn on that session
// once it holds it. When fn returns, or ctx ends while waiting, it unlocks
// explicitly and closes the session rather than returning it to the pool
// (fn may have left LISTENs or other session state behind). It returns
// fn's error, or ctx's if ctx ended before the lock was taken.
//
// A session that dies drops the lock with it, so another process can
// lead; fn then sees an error on the session and should return it.
func (db *DB) Lead(ctx context.Context, lock Lock, poll time.Duration, fn func(ctx context.Context, conn *pgx.Conn) error) error {
	pc, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%s: acquire: %w", lock, err)
	}
	conn := pc.Conn()
	defer pc.Release() // a closed connection is dropped by the pool
	defer conn.Close(context.WithoutCancel(ctx))
	key, err := lock.resolve(ctx, conn)
	if err != nil {
		return err
	}
	if err := waitForLock(ctx, conn, lock, key, poll); err != nil {
		return err
	}
	defer unlock(ctx, conn, key)
	return fn(ctx, conn)
}

func (l Lock) resolve(ctx context.Context, conn *pgx.Conn) (int64, error) {
	if !l.byName {
		return l.key, nil
	}
	var key int64
	if err := conn.QueryRow(ctx, `SELECT hashtextextended($1, 0)`, l.name).Scan(&key); err != nil {
		return 0, fmt.Errorf("%s: key: %w", l, err)
	}
	return key, nil
}

func waitForLock(ctx context.Context, conn *pgx.Conn, lock Lock, key int64, poll time.Duration) error {
	if poll <= 0 {
		poll = time.Second
	}
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return fmt.Errorf("try %s: %w", lock, err)
		}
		if ok {
			return nil
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// unlock releases key on conn, best effort: closing the session, which
// follows, releases it anyway.
func unlock(ctx context.Context, conn *pgx.Conn, key int64) {
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, key)
}
