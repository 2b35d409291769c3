package projections

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
)

// ErrRebuildRunning means another process is rebuilding the same projection.
var ErrRebuildRunning = errors.New("a rebuild of this projection is already running")

// Rebuilder rebuilds projections from position zero without downtime.
//
// The new read model of a Tabled projection is built in copies of its
// tables in the schema postgres.ShadowSchema (facturo_rebuild), reading
// events straight from PostgreSQL in relay order, while the live runner
// keeps applying to the live tables. Once the copy has caught up, one
// transaction locks the live checkpoint row (the runner cannot commit
// meanwhile), applies the last few events, drops the live tables, moves the
// copies into their place and moves the checkpoint forward if the rebuild
// went past it. The runner's next batch lands in the new tables. Only
// projections are applied: no webhook or email fires again.
//
// A StreamFolded projection's copies are first filled stream-major (bulk),
// then caught up in relay order as above.
//
// Inline projections are rebuilt in place instead (RebuildInline).
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
func (r *Rebuilder) Rebuild(ctx context.Context, p Tabled, restart bool) (RebuildResult, error) {
	start := time.Now()
	res := RebuildResult{Name: p.Name()}
	unlock, err := r.begin(ctx, p.Name())
	if err != nil {
		return res, err
	}
	defer unlock()

	st, resumed, err := r.prepare(ctx, p, restart)
	if err != nil {
		return res, err
	}
	res.Resumed = resumed
	cur, applied := st.Cursor, st.Applied
	if sf, ok := p.(StreamFolded); ok && (!resumed || st.BulkAfter != nil) {
		if cur, applied, err = r.bulk(ctx, sf, st, resumed); err != nil {
			return res, err
		}
	}
	total, err := postgres.CountEventsAfter(ctx, r.DB.Pool, cur)
	if err != nil {
		return res, err
	}
	total += applied
	if cur, applied, total, err = r.catchUp(ctx, p, cur, applied, total); err != nil {
		return res, err
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

// bulk is the first phase of a stream-major rebuild: it reads every
// stream once, in stream id order (ReadStreamMajor: no metadata, each
// stream whole), and writes the row of each with one COPY per batch, in
// one transaction with the phase's progress (the last stream written), so
// an interrupted phase resumes after it. Replaying in relay order instead
// re-read and re-folded a stream's history for each of its events.
//
// The catch-up then starts from the horizon cursor taken when the phase
// began: every event at or before it was committed then, so every batch
// read after it (each in a later snapshot) folds it. A stream's row may
// also fold events after the cursor (committed while the phase ran); the
// catch-up applies them again, which folds the same history up to each
// and writes nothing older (DocumentWriter keeps the highest version).
// It returns the catch-up's cursor and the events applied so far.
func (r *Rebuilder) bulk(ctx context.Context, p StreamFolded, st postgres.RebuildState, resumed bool) (events.Cursor, int64, error) {
	cur, applied, after, version := st.Cursor, st.Applied, "", 0
	if resumed {
		after, version = *st.BulkAfter, math.MaxInt32
	} else {
		var err error
		if cur, err = postgres.HorizonCursor(ctx, r.DB.Pool); err != nil {
			return cur, applied, err
		}
		err = r.DB.Transact(ctx, func(tx pgx.Tx) error { return postgres.StartBulk(ctx, tx, p.Name(), cur) })
		if err != nil {
			return cur, applied, err
		}
	}
	total, err := postgres.CountEventsAfter(ctx, r.DB.Pool, events.Cursor{})
	if err != nil {
		return cur, applied, err
	}
	readCtx, stop := context.WithCancel(ctx)
	batches := r.readStreams(readCtx, after, version)
	defer func() {
		stop()
		for range batches { // the reader has returned its connection
		}
	}()
	for b := range batches {
		if b.err != nil {
			return cur, applied, b.err
		}
		if err := r.copyFolds(ctx, p, b); err != nil {
			return cur, applied, err
		}
		applied += int64(len(b.events))
		if r.Progress != nil {
			r.Progress(applied, max(total, applied))
		}
		if b.done {
			return cur, applied, nil
		}
	}
	return cur, applied, ctx.Err()
}

// streamBatch is one read of the stream-major phase: whole streams, and
// whether it is the last.
type streamBatch struct {
	events []events.Event
	done   bool
	err    error
}

// readStreams reads the batches of the stream-major phase after (stream,
// version) ahead of their writing, one batch ahead: PostgreSQL reads the
// next while this process folds and copies the last.
func (r *Rebuilder) readStreams(ctx context.Context, stream string, version int) <-chan streamBatch {
	out := make(chan streamBatch, 1)
	go func() {
		defer close(out)
		for {
			batch, err := r.Store.ReadStreamMajor(ctx, r.DB.Pool, stream, version, r.BatchSize)
			b := streamBatch{events: batch, done: len(batch) < r.BatchSize, err: err}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if err != nil || b.done {
				return
			}
			stream, version = batch[len(batch)-1].StreamID, math.MaxInt32
		}
	}()
	return out
}

// copyFolds writes the rows of a batch's streams into the copies with the
// phase's progress, in one transaction. A commit lost in a crash loses its
// progress with it, so it need not wait for its WAL flush: the resumed
// phase writes those rows again.
func (r *Rebuilder) copyFolds(ctx context.Context, p StreamFolded, b streamBatch) error {
	last := ""
	if !b.done {
		last = b.events[len(b.events)-1].StreamID
	}
	return r.DB.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		if err := postgres.UseShadow(ctx, tx); err != nil {
			return err
		}
		if err := p.CopyFolds(ctx, tx, byStream(b.events)); err != nil {
			return err
		}
		return postgres.SaveBulk(ctx, tx, p.Name(), last, int64(len(b.events)))
	})
}

// byStream splits events in stream order into one history per stream.
func byStream(batch []events.Event) [][]events.Event {
	var out [][]events.Event
	for i := 0; i < len(batch); {
		j := i + 1
		for j < len(batch) && batch[j].StreamID == batch[i].StreamID {
			j++
		}
		out = append(out, batch[i:j])
		i = j
	}
	return out
}

// catchUp applies the events after cur to the copies, one transaction per
// batch saving the rebuild's checkpoint with it, until a batch comes back
// short. It returns the new cursor, events applied and expected total.
func (r *Rebuilder) catchUp(ctx context.Context, p Tabled, cur events.Cursor, applied, total int64) (events.Cursor, int64, int64, error) {
	for {
		batch, err := r.Store.ReadAfter(ctx, r.DB.Pool, cur, r.BatchSize)
		if err != nil {
			return cur, applied, total, err
		}
		if len(batch) > 0 {
			err = r.DB.Transact(ctx, func(tx pgx.Tx) error {
				if err := postgres.UseShadow(ctx, tx); err != nil {
					return err
				}
				if err := ApplyAll(ctx, tx, p, batch); err != nil {
					return err
				}
				cur = batch[len(batch)-1].Cursor()
				return postgres.SaveRebuild(ctx, tx, p.Name(), cur, int64(len(batch)))
			})
			if err != nil {
				return cur, applied, total, err
			}
			applied += int64(len(batch))
			total = max(total, applied)
			if r.Progress != nil {
				r.Progress(applied, total)
			}
		}
		if len(batch) < r.BatchSize {
			return cur, applied, total, nil
		}
	}
}

// begin defaults the batch size and takes the projection's rebuild lock.
func (r *Rebuilder) begin(ctx context.Context, name string) (unlock func(), err error) {
	if r.BatchSize <= 0 {
		r.BatchSize = 2000
	}
	unlock, ok, err := r.DB.TryRebuildLock(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrRebuildRunning)
	}
	return unlock, nil
}

// prepare finds an interrupted rebuild to resume, or creates empty copies of
// the projection's tables and a fresh rebuild checkpoint.
func (r *Rebuilder) prepare(ctx context.Context, p Tabled, restart bool) (postgres.RebuildState, bool, error) {
	if !restart {
		st, err := postgres.ReadRebuild(ctx, r.DB.Pool, p.Name())
		if err != nil {
			return postgres.RebuildState{}, false, err
		}
		if st != nil {
			ok, err := postgres.ShadowsExist(ctx, r.DB.Pool, p.Tables())
			if err != nil {
				return postgres.RebuildState{}, false, err
			}
			if ok {
				return *st, true, nil
			}
		}
	}
	err := r.DB.Transact(ctx, func(tx pgx.Tx) error {
		return postgres.StartRebuild(ctx, tx, p.Name(), p.Tables())
	})
	return postgres.RebuildState{}, false, err
}

// swap applies what remains and swaps the copies in, in one transaction that
// holds the live checkpoint row. The live runner either committed before
// (and the copy includes its events, which are below the horizon) or waits
// and then continues on the new tables from the new checkpoint.
func (r *Rebuilder) swap(ctx context.Context, p Tabled, cur events.Cursor) (int64, events.Cursor, error) {
	var n int64
	err := r.DB.Transact(ctx, func(tx pgx.Tx) error {
		live, err := LockCheckpoint(ctx, tx, p.Name())
		if err != nil {
			return err
		}
		if err := postgres.UseShadow(ctx, tx); err != nil {
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
			if err := ApplyAll(ctx, tx, p, batch); err != nil {
				return err
			}
			cur, n = batch[len(batch)-1].Cursor(), n+int64(len(batch))
		}
		if err := postgres.SwapInShadows(ctx, tx, p.Tables()); err != nil {
			return err
		}
		cp, err := nextCheckpoint(ctx, tx, live, cur)
		if err != nil {
			return err
		}
		if err := SaveCheckpoint(ctx, tx, cp); err != nil {
			return err
		}
		return postgres.EndRebuild(ctx, tx, p.Name())
	})
	return n, cur, err
}

// nextCheckpoint is the live checkpoint after the swap. The new tables hold
// every event up to cur, which is at or past the live cursor (the live
// runner only sees relayed events, and the relay only reads below the
// horizon, as the rebuild does). The stream sequence can only jump forward
// when the relay has published nothing past cur; otherwise the runner keeps
// its sequence and skips, by cursor, what the rebuild already applied.
func nextCheckpoint(ctx context.Context, tx pgx.Tx, live Checkpoint, cur events.Cursor) (Checkpoint, error) {
	cp := live
	if cur.After(cp.Cursor) {
		cp.Cursor = cur
	}
	relayed, found, err := postgres.ReadRelayCursor(ctx, tx)
	if err != nil || !found {
		return cp, err
	}
	if !relayed.Cursor.After(cp.Cursor) && relayed.StreamSeq > cp.StreamSeq {
		cp.StreamSeq = relayed.StreamSeq
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
func (r *Rebuilder) RebuildInline(ctx context.Context, p Inline) (RebuildResult, error) {
	start := time.Now()
	res := RebuildResult{Name: p.Name()}
	unlock, err := r.begin(ctx, p.Name())
	if err != nil {
		return res, err
	}
	defer unlock()
	total, err := postgres.CountEventsOfTypes(ctx, r.DB.Pool, p.Types())
	if err != nil {
		return res, err
	}
	err = r.DB.Transact(ctx, func(tx pgx.Tx) error {
		res.Applied, res.Cursor, err = r.reapply(ctx, tx, p, total)
		return err
	})
	res.Duration = time.Since(start)
	return res, err
}

// reapply empties p and applies every event of its types again, inside tx.
func (r *Rebuilder) reapply(ctx context.Context, tx pgx.Tx, p Inline, total int64) (int64, events.Cursor, error) {
	var applied int64
	var cur events.Cursor
	if err := p.Reset(ctx, tx); err != nil {
		return applied, cur, err
	}
	for {
		batch, err := r.Store.ReadTypesAfter(ctx, tx, cur, p.Types(), r.BatchSize)
		if err != nil {
			return applied, cur, err
		}
		for _, e := range batch {
			if err := p.Apply(ctx, tx, e); err != nil {
				return applied, cur, fmt.Errorf("apply %s %s: %w", e.Type, e.ID, err)
			}
		}
		if len(batch) > 0 {
			applied += int64(len(batch))
			cur = batch[len(batch)-1].Cursor()
			if r.Progress != nil {
				r.Progress(applied, max(total, applied))
			}
		}
		if len(batch) < r.BatchSize {
			return applied, cur, p.Restore(ctx, tx)
		}
	}
}
