// Package replay is the operator tooling of `worker`: projection status and
// zero-downtime rebuilds, event republishing, tailing and inspection, and
// webhook redelivery. It works against the same PostgreSQL and NATS as the
// running services, while they run.
package replay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/projections"
	"github.com/jackc/pgx/v5"
)

// ShadowSchema holds the copies of a projection's tables while it is rebuilt.
const ShadowSchema = "facturo_rebuild"

// ErrRebuildRunning means another process is rebuilding the same projection.
var ErrRebuildRunning = errors.New("a rebuild of this projection is already running")

// Rebuilder rebuilds projections from position zero without downtime.
//
// The new read model is built in copies of the projection's tables in the
// schema facturo_rebuild, reading events straight from PostgreSQL in relay
// order, while the live runner keeps applying to the live tables. Once the
// copy has caught up, one transaction locks the live checkpoint row (the
// runner cannot commit meanwhile), applies the last few events, drops the
// live tables, moves the copies into their place and moves the checkpoint
// forward if the rebuild went past it. The runner's next batch lands in the
// new tables. Only projections are applied: no webhook or email fires again.
type Rebuilder struct {
	DB        *postgres.DB
	Store     *postgres.EventStore
	BatchSize int // events per read and transaction, default 2000
	// Progress, if set, is called after each batch with the events applied
	// so far and the total expected.
	Progress func(done, total int64)
}

// RebuildResult says what a rebuild did.
type RebuildResult struct {
	Name     string
	Applied  int64 // events applied to the copy, over every run of this rebuild
	Resumed  bool  // an interrupted rebuild was continued
	Cursor   events.Cursor
	Duration time.Duration
}

// Rebuild rebuilds p. If restart is false and an interrupted rebuild of p
// exists, it continues from that rebuild's own checkpoint.
func (r *Rebuilder) Rebuild(ctx context.Context, p projections.Tabled, restart bool) (RebuildResult, error) {
	start := time.Now()
	res := RebuildResult{Name: p.Name()}
	unlock, err := r.begin(ctx, p.Name())
	if err != nil {
		return res, err
	}
	defer unlock()

	cur, applied, resumed, err := r.prepare(ctx, p, restart)
	if err != nil {
		return res, err
	}
	res.Resumed = resumed
	total, err := r.remaining(ctx, cur)
	if err != nil {
		return res, err
	}
	total += applied
	for {
		batch, err := r.Store.ReadAfter(ctx, r.DB.Pool, cur, r.BatchSize)
		if err != nil {
			return res, err
		}
		if len(batch) > 0 {
			err = r.DB.Transact(ctx, func(tx pgx.Tx) error {
				if err := useShadow(ctx, tx); err != nil {
					return err
				}
				if err := projections.ApplyAll(ctx, tx, p, batch); err != nil {
					return err
				}
				cur = batch[len(batch)-1].Cursor()
				return saveRebuild(ctx, tx, p.Name(), cur, int64(len(batch)))
			})
			if err != nil {
				return res, err
			}
			applied += int64(len(batch))
			if applied > total {
				total = applied
			}
			if r.Progress != nil {
				r.Progress(applied, total)
			}
		}
		if len(batch) < r.BatchSize {
			break
		}
	}
	n, cur, err := r.swap(ctx, p, cur)
	if err != nil {
		return res, err
	}
	res.Applied, res.Cursor, res.Duration = applied+n, cur, time.Since(start)
	if r.Progress != nil {
		r.Progress(res.Applied, max(total, res.Applied))
	}
	return res, nil
}

// begin defaults the batch size and takes the projection's rebuild lock.
func (r *Rebuilder) begin(ctx context.Context, name string) (unlock func(), err error) {
	if r.BatchSize <= 0 {
		r.BatchSize = 2000
	}
	return r.lock(ctx, name)
}

// lock takes the projection's rebuild lock on a dedicated session.
func (r *Rebuilder) lock(ctx context.Context, name string) (func(), error) {
	conn, err := r.DB.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire: %w", err)
	}
	var ok bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended('rebuild:' || $1, 0))`, name).Scan(&ok)
	if err != nil || !ok {
		conn.Release()
		if err != nil {
			return nil, fmt.Errorf("rebuild lock %s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: %w", name, ErrRebuildRunning)
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
	}, nil
}

// prepare finds an interrupted rebuild to resume, or creates empty copies of
// the projection's tables and a fresh rebuild checkpoint.
func (r *Rebuilder) prepare(ctx context.Context, p projections.Tabled, restart bool) (events.Cursor, int64, bool, error) {
	var cur events.Cursor
	var applied int64
	if !restart {
		var tx string
		err := r.DB.Pool.QueryRow(ctx, `SELECT tx_id::text, position, applied FROM projection_rebuilds WHERE name = $1`,
			p.Name()).Scan(&tx, &cur.Position, &applied)
		switch {
		case err == nil:
			ok, err := shadowsExist(ctx, r.DB, p.Tables())
			if err != nil {
				return cur, 0, false, err
			}
			if ok {
				cur.TxID, err = strconv.ParseUint(tx, 10, 64)
				return cur, applied, true, err
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return cur, 0, false, fmt.Errorf("read rebuild state: %w", err)
		}
	}
	err := r.DB.Transact(ctx, func(tx pgx.Tx) error {
		for _, t := range p.Tables() {
			if err := createShadow(ctx, tx, t); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO projection_rebuilds (name) VALUES ($1)
			ON CONFLICT (name) DO UPDATE SET tx_id = '0', position = 0, applied = 0, started_at = now(), updated_at = now()`,
			p.Name())
		return err
	})
	return events.Cursor{}, 0, false, err
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

func shadowsExist(ctx context.Context, db *postgres.DB, tables []string) (bool, error) {
	for _, t := range tables {
		var ok bool
		err := db.Pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`,
			pgx.Identifier{ShadowSchema, t}.Sanitize()).Scan(&ok)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// useShadow points the transaction's unqualified table names at the copies
// (events and every other table still resolve to public).
func useShadow(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, ShadowSchema+", public")
	return err
}

func saveRebuild(ctx context.Context, tx pgx.Tx, name string, c events.Cursor, n int64) error {
	_, err := tx.Exec(ctx, `UPDATE projection_rebuilds
		SET tx_id = $2::text::xid8, position = $3, applied = applied + $4, updated_at = now() WHERE name = $1`,
		name, strconv.FormatUint(c.TxID, 10), c.Position, n)
	if err != nil {
		return fmt.Errorf("save rebuild checkpoint %s: %w", name, err)
	}
	return nil
}

// remaining counts the events after c (the progress bar's total).
func (r *Rebuilder) remaining(ctx context.Context, c events.Cursor) (int64, error) {
	var n int64
	err := r.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE (tx_id, position) > ($1::text::xid8, $2)`,
		strconv.FormatUint(c.TxID, 10), c.Position).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// swap applies what remains and swaps the copies in, in one transaction that
// holds the live checkpoint row. The live runner either committed before
// (and the copy includes its events, which are below the horizon) or waits
// and then continues on the new tables from the new checkpoint.
func (r *Rebuilder) swap(ctx context.Context, p projections.Tabled, cur events.Cursor) (int64, events.Cursor, error) {
	var n int64
	err := r.DB.Transact(ctx, func(tx pgx.Tx) error {
		live, err := projections.LockCheckpoint(ctx, tx, p.Name())
		if err != nil {
			return err
		}
		if err := useShadow(ctx, tx); err != nil {
			return err
		}
		for {
			batch, err := r.Store.ReadAfter(ctx, tx, cur, r.BatchSize)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			if err := projections.ApplyAll(ctx, tx, p, batch); err != nil {
				return err
			}
			cur, n = batch[len(batch)-1].Cursor(), n+int64(len(batch))
		}
		for _, t := range p.Tables() {
			if _, err := tx.Exec(ctx, `DROP TABLE `+pgx.Identifier{"public", t}.Sanitize()); err != nil {
				return fmt.Errorf("drop live %s: %w", t, err)
			}
			if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{ShadowSchema, t}.Sanitize()+` SET SCHEMA public`); err != nil {
				return fmt.Errorf("swap in %s: %w", t, err)
			}
		}
		cp, err := nextCheckpoint(ctx, tx, live, cur)
		if err != nil {
			return err
		}
		if err := projections.SaveCheckpoint(ctx, tx, cp); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM projection_rebuilds WHERE name = $1`, p.Name())
		return err
	})
	return n, cur, err
}

// nextCheckpoint is the live checkpoint after the swap. The new tables hold
// every event up to cur, which is at or past the live cursor (the live
// runner only sees relayed events, and the relay only reads below the
// horizon, as the rebuild does). The stream sequence can only jump forward
// when the relay has published nothing past cur; otherwise the runner keeps
// its sequence and skips, by cursor, what the rebuild already applied.
func nextCheckpoint(ctx context.Context, tx pgx.Tx, live projections.Checkpoint, cur events.Cursor) (projections.Checkpoint, error) {
	cp := live
	if cur.After(cp.Cursor) {
		cp.Cursor = cur
	}
	var txid string
	var relayed events.Cursor
	var seq int64
	err := tx.QueryRow(ctx, `SELECT tx_id::text, position, stream_seq FROM relay_cursor WHERE name = 'main'`).
		Scan(&txid, &relayed.Position, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return cp, nil
	}
	if err != nil {
		return cp, fmt.Errorf("read relay cursor: %w", err)
	}
	if relayed.TxID, err = strconv.ParseUint(txid, 10, 64); err != nil {
		return cp, err
	}
	if !relayed.After(cp.Cursor) && uint64(seq) > cp.StreamSeq {
		cp.StreamSeq = uint64(seq)
	}
	return cp, nil
}

// RebuildInline rebuilds an inline projection (written in the appending
// transaction: users, organizations and keys; the key audit log) in place,
// in one transaction: it locks the tables against writers, empties them
// with DELETE and applies every event of the projection's types again, in
// relay order. Readers keep seeing the old rows until the commit (MVCC),
// then the new ones: no downtime for reads, and writes of those tables
// (creating or changing a key) wait for the commit. No snapshot horizon is
// needed: every transaction that wrote the tables has committed once the
// lock is held, and one that appended an event but has not written yet
// will write its own rows after the commit. Inline read models are small
// (accounts and keys, not invoices), so one transaction suffices; an
// interrupted rebuild rolls back and is simply run again.
func (r *Rebuilder) RebuildInline(ctx context.Context, p projections.Inline) (RebuildResult, error) {
	start := time.Now()
	res := RebuildResult{Name: p.Name()}
	unlock, err := r.begin(ctx, p.Name())
	if err != nil {
		return res, err
	}
	defer unlock()
	var total int64
	if err := r.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE type = ANY($1)`, p.Types()).Scan(&total); err != nil {
		return res, fmt.Errorf("count events: %w", err)
	}
	err = r.DB.Transact(ctx, func(tx pgx.Tx) error {
		res.Applied, res.Cursor = 0, events.Cursor{}
		if err := p.Reset(ctx, tx); err != nil {
			return err
		}
		for {
			batch, err := r.Store.ReadTypesAfter(ctx, tx, res.Cursor, p.Types(), r.BatchSize)
			if err != nil {
				return err
			}
			for _, e := range batch {
				if err := p.Apply(ctx, tx, e); err != nil {
					return fmt.Errorf("apply %s %s: %w", e.Type, e.ID, err)
				}
			}
			if len(batch) > 0 {
				res.Applied += int64(len(batch))
				res.Cursor = batch[len(batch)-1].Cursor()
				if r.Progress != nil {
					r.Progress(res.Applied, max(total, res.Applied))
				}
			}
			if len(batch) < r.BatchSize {
				return p.Restore(ctx, tx)
			}
		}
	})
	res.Duration = time.Since(start)
	return res, err
}
