package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
)

// The statements of projection rebuilds (projections.Rebuilder): the
// rebuild lock, the shadow copies of a projection's tables and their swap,
// and a rebuild's own checkpoint in projection_rebuilds.

// ShadowSchema holds the copies of a projection's tables while it is rebuilt.
const ShadowSchema = "facturo_rebuild"

// TryRebuildLock takes the rebuild lock of the projection name on a session
// of its own. ok is false when another session holds it. unlock releases it
// and the session.
func (db *DB) TryRebuildLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("acquire: %w", err)
	}
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('rebuild:' || $1, 0))`, name).Scan(&ok)
	if err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, false, fmt.Errorf("rebuild lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	return func() {
		// Unlock explicitly: closing the session would release the lock
		// only when its backend exits, a moment later, and a resume started
		// right after an interrupt would find the rebuild still "running".
		// If the unlock fails, close the session: never return one holding
		// the lock to the pool.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var unlocked bool
		if err := conn.QueryRow(uctx, `SELECT pg_advisory_unlock(hashtextextended('rebuild:' || $1, 0))`, name).Scan(&unlocked); err != nil || !unlocked {
			_ = conn.Conn().Close(uctx)
		}
		conn.Release()
	}, true, nil
}

// RebuildState is a rebuild's own checkpoint.
type RebuildState struct {
	Cursor  events.Cursor
	Applied int64
	// BulkAfter is set while a stream-major rebuild is in its first phase:
	// the last stream whose row is written ("" before the first). Cursor
	// is then where the catch-up will start.
	BulkAfter *string
	StartedAt time.Time
	UpdatedAt time.Time
}

// ReadRebuild returns the checkpoint of the rebuild of name in progress or
// interrupted, nil if there is none.
func ReadRebuild(ctx context.Context, q Querier, name string) (*RebuildState, error) {
	var s RebuildState
	var tx string
	err := q.QueryRow(ctx, `SELECT tx_id::text, position, applied, bulk_after, started_at, updated_at
		FROM projection_rebuilds WHERE name = $1`, name).Scan(&tx, &s.Cursor.Position, &s.Applied, &s.BulkAfter, &s.StartedAt, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rebuild state %s: %w", name, err)
	}
	s.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64)
	return &s, err
}

// StartRebuild creates empty copies of tables in ShadowSchema and sets the
// rebuild checkpoint of name to zero, in tx.
func StartRebuild(ctx context.Context, tx pgx.Tx, name string, tables []string) error {
	for _, t := range tables {
		if err := createShadow(ctx, tx, t); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO projection_rebuilds (name) VALUES ($1)
		ON CONFLICT (name) DO UPDATE SET tx_id = '0', position = 0, applied = 0, bulk_after = NULL,
			started_at = now(), updated_at = now()`,
		name)
	return err
}

// createShadow makes an empty copy of public.t in the shadow schema, with
// the same columns, defaults, checks, constraint and index names, so that
// once swapped in nothing tells it from the original.
func createShadow(ctx context.Context, tx pgx.Tx, t string) error {
	src, dst := pgx.Identifier{"public", t}.Sanitize(), pgx.Identifier{ShadowSchema, t}.Sanitize()
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+dst); err != nil {
		return fmt.Errorf("drop old copy of %s: %w", t, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE `+dst+` (LIKE `+src+` INCLUDING ALL EXCLUDING INDEXES)`); err != nil {
		return fmt.Errorf("copy %s: %w", t, err)
	}
	// Constraints backed by indexes (primary key, unique), then the other
	// indexes, under their original names (names are per schema).
	rows, err := tx.Query(ctx, `
		SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2::text, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u', 'x')
		UNION ALL
		SELECT regexp_replace(pg_get_indexdef(i.indexrelid), ' ON (ONLY )?\S+ ', ' ON ' || $2 || ' ')
		FROM pg_index i WHERE i.indrelid = $1::regclass
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`, src, dst)
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", t, err)
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", t, err)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("index of %s copy: %w", t, err)
		}
	}
	return nil
}

// ShadowsExist reports whether every table has its copy in ShadowSchema.
func ShadowsExist(ctx context.Context, q Querier, tables []string) (bool, error) {
	for _, t := range tables {
		var ok bool
		err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`,
			pgx.Identifier{ShadowSchema, t}.Sanitize()).Scan(&ok)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// UseShadow points the transaction's unqualified table names at the copies
// in ShadowSchema (events and every other table still resolve to public).
func UseShadow(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, ShadowSchema+", public")
	return err
}

// SaveRebuild moves the rebuild checkpoint of name to c, n events further.
func SaveRebuild(ctx context.Context, tx pgx.Tx, name string, c events.Cursor, n int64) error {
	_, err := tx.Exec(ctx, `UPDATE projection_rebuilds
		SET tx_id = $2::text::xid8, position = $3, applied = applied + $4, updated_at = now() WHERE name = $1`,
		name, strconv.FormatUint(c.TxID, 10), c.Position, n)
	if err != nil {
		return fmt.Errorf("save rebuild checkpoint %s: %w", name, err)
	}
	return nil
}

// SwapInShadows drops the live tables and moves their copies from
// ShadowSchema into public, in tx.
func SwapInShadows(ctx context.Context, tx pgx.Tx, tables []string) error {
	for _, t := range tables {
		if _, err := tx.Exec(ctx, `DROP TABLE `+pgx.Identifier{"public", t}.Sanitize()); err != nil {
			return fmt.Errorf("drop live %s: %w", t, err)
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{ShadowSchema, t}.Sanitize()+` SET SCHEMA public`); err != nil {
			return fmt.Errorf("swap in %s: %w", t, err)
		}
	}
	return nil
}

// EndRebuild deletes the rebuild checkpoint of name.
func EndRebuild(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `DELETE FROM projection_rebuilds WHERE name = $1`, name)
	return err
}

// CountEventsAfter counts the events stored after c.
func CountEventsAfter(ctx context.Context, q Querier, c events.Cursor) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT count(*) FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)`,
		strconv.FormatUint(c.TxID, 10), c.Position).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// CountEventsOfTypes counts the events of the given types.
func CountEventsOfTypes(ctx context.Context, q Querier, types []string) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT count(*) FROM events WHERE type = ANY($1)`, types).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}
