package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
)

// Runner keeps one projection up to date. Any number of runners of the same
// projection may run in different processes: one holds the projection's
// advisory lock and works, the others wait to take over.
type Runner struct {
	Projection Projection
	DB         *postgres.DB
	Stream     jetstream.Stream
	Log        *slog.Logger
	BatchSize  int           // events per transaction, default 256
	Retry      time.Duration // how often a standby tries the lock, default 1s
	// OnApplied, if set, is called after each committed batch with the new
	// checkpoint and the number of messages in the batch (metrics, tests).
	OnApplied func(c Checkpoint, n int)
	// OnPoison, if set, is called after a batch that skipped a message the
	// projection can never apply (metrics, tests). See applyBatch.
	OnPoison func(p events.Poison)
}

// Checkpoint is where a projection has got to (stored by
// postgres.Checkpoints).
type Checkpoint = postgres.Checkpoint

// Run applies events until ctx ends, then returns nil. While another
// process runs the projection it waits for the projection's lock as a
// standby. When a reset or rebuild moves the checkpoint it resumes from
// there; on any other error (a lost connection, a failed batch) it returns
// it: run it under a supervise.Group, which starts it over.
func (r *Runner) Run(ctx context.Context) error {
	if r.BatchSize <= 0 {
		r.BatchSize = 256
	}
	if r.Retry <= 0 {
		r.Retry = time.Second
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
	log := r.Log.With("projection", r.Projection.Name())
	// The lock key stays hashtextextended('projection:' || name, 0).
	lock := postgres.LockName("projection:" + r.Projection.Name())
	err := r.DB.Lead(ctx, lock, r.Retry, func(ctx context.Context, _ *pgx.Conn) error {
		for {
			err := r.follow(ctx)
			if !errors.Is(err, errCheckpointMoved) {
				return err
			}
			log.Info("checkpoint moved (reset or rebuild); resuming from it")
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// follow applies the stream from the stored checkpoint on, until an error.
func (r *Runner) follow(ctx context.Context) error {
	cp, err := ReadCheckpoint(ctx, r.DB, r.Projection.Name())
	if err != nil {
		return err
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.SubjectPrefix + ".>"}}
	if cp.StreamSeq > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = cp.StreamSeq + 1
	}
	cons, err := r.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("ordered consumer: %w", err)
	}
	// One long-lived subscription: the client buffers ahead, and Next
	// hands out buffered messages without a round trip.
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * r.BatchSize))
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	defer it.Stop()
	for {
		msgs, err := r.next(ctx, it)
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			// Idle: a reset or rebuild elsewhere may have moved the checkpoint.
			if err := r.checkMoved(ctx, cp.StreamSeq); err != nil {
				return err
			}
			continue
		}
		var poison []events.Poison
		if cp, poison, err = r.applyBatch(ctx, msgs, cp.StreamSeq); err != nil {
			return err
		}
		for _, p := range poison {
			r.Log.Error("projection: poison message skipped", "projection", p.Consumer,
				"stream_seq", p.StreamSeq, "subject", p.Subject, "event_id", p.EventID, "err", p.Error)
			if r.OnPoison != nil {
				r.OnPoison(p)
			}
		}
		if r.OnApplied != nil {
			r.OnApplied(cp, len(msgs))
		}
	}
}

// idleWait is how long the runner waits for a message before checking
// whether its checkpoint was moved.
const idleWait = time.Second

// gatherWait is how long next waits for each further message of a batch.
// It only has to catch what is already buffered: every event waits for
// it once more before it is applied.
const gatherWait = 100 * time.Microsecond

// next waits up to idleWait for one message, then takes whatever else is
// already buffered, up to the batch size: low latency when idle, large
// transactions when catching up.
func (r *Runner) next(ctx context.Context, it jetstream.MessagesContext) ([]jetstream.Msg, error) {
	wait, cancel := context.WithTimeout(ctx, idleWait)
	defer cancel()
	first, err := it.Next(jetstream.NextContext(wait))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
			return nil, nil
		}
		return nil, fmt.Errorf("next: %w", err)
	}
	msgs := []jetstream.Msg{first}
	for len(msgs) < r.BatchSize {
		m, err := it.Next(jetstream.NextMaxWait(gatherWait))
		if err != nil {
			break // nothing more buffered right now
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// errCheckpointMoved means someone else (a reset, a rebuild) changed the
// checkpoint under this runner: it must restart from the stored position.
var errCheckpointMoved = errors.New("checkpoint moved by another process")

// applyBatch applies msgs and moves the checkpoint past them in one
// transaction. A message that can never be applied (it does not decode,
// its upcast fails, or applying its event fails for a reason other than
// the database connection: see applyEach) is recorded as poison in the
// same transaction and skipped, instead of failing the batch forever; it
// is returned for logging. Any other error fails the batch, which is
// retried.
//
// The batch is first applied whole, without a savepoint (each costs two
// round trips, which a batch pays on every event's way to the read
// model); only if that fails for a permanent reason is the transaction
// rolled back and the batch applied again event by event, each under a
// savepoint, to find the poison.
//
// The transaction declares that it appends no events (postgres.NoEvents),
// so the relay does not wait for it, and it commits without waiting for
// its WAL flush: its read-model rows and its checkpoint commit together,
// so a PostgreSQL crash that loses the commit takes back both, and the
// runner applies those events again from the checkpoint that survived.
// The runner acknowledges nothing to anyone, so nothing else depends on
// the flush.
func (r *Runner) applyBatch(ctx context.Context, msgs []jetstream.Msg, seenSeq uint64) (Checkpoint, []events.Poison, error) {
	cp, poison, err := r.applyBatchOnce(ctx, msgs, seenSeq, false)
	if errors.Is(err, errApplyEach) {
		cp, poison, err = r.applyBatchOnce(ctx, msgs, seenSeq, true)
	}
	return cp, poison, err
}

// errApplyEach rolls back a batch that failed whole for a permanent
// reason, to apply it again event by event.
var errApplyEach = errors.New("the batch failed whole: apply it event by event")

func (r *Runner) applyBatchOnce(ctx context.Context, msgs []jetstream.Msg, seenSeq uint64, each bool) (Checkpoint, []events.Poison, error) {
	var cp Checkpoint
	var poison []events.Poison
	err := r.DB.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		if cp, err = postgres.LockCheckpointWithoutEvents(ctx, tx, r.Projection.Name()); err != nil {
			return err
		}
		if cp.StreamSeq != seenSeq {
			return errCheckpointMoved
		}
		poison = nil
		var fresh []freshMsg // not applied before (a redelivery skips the rest)
		for _, m := range msgs {
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("message metadata: %w", err)
			}
			e, err := natsjs.Decode(m)
			switch {
			case err != nil:
				poison = append(poison, natsjs.PoisonOf(r.Projection.Name(), m, e.ID, err))
			case e.Cursor().After(cp.Cursor):
				fresh = append(fresh, freshMsg{e, m})
				cp.Cursor = e.Cursor()
			}
			cp.StreamSeq = meta.Sequence.Stream
		}
		if each {
			failed, err := r.applyEach(ctx, tx, fresh)
			if err != nil {
				return err
			}
			poison = append(poison, failed...)
		} else if err := ApplyAll(ctx, tx, r.Projection, eventsOf(fresh)); err != nil {
			if permanent(ctx, err) {
				return errApplyEach
			}
			return err
		}
		for _, p := range poison {
			if err := postgres.RecordPoison(ctx, tx, p); err != nil {
				return err
			}
		}
		return postgres.SaveCheckpoint(ctx, tx, cp)
	})
	return cp, poison, err
}

// freshMsg is an event to apply and the message it came in.
type freshMsg struct {
	e events.Event
	m jetstream.Msg
}

func eventsOf(fresh []freshMsg) []events.Event {
	all := make([]events.Event, len(fresh))
	for i, f := range fresh {
		all[i] = f.e
	}
	return all
}

// applyEach applies the events one by one, each under a savepoint, and
// returns those that fail for a reason a retry cannot fix (permanent) as
// poison.
func (r *Runner) applyEach(ctx context.Context, tx pgx.Tx, fresh []freshMsg) ([]events.Poison, error) {
	var poison []events.Poison
	for _, f := range fresh {
		err := inSavepoint(ctx, tx, func(sp pgx.Tx) error { return ApplyAll(ctx, sp, r.Projection, []events.Event{f.e}) })
		if err == nil {
			continue
		}
		if !permanent(ctx, err) {
			return nil, err
		}
		poison = append(poison, natsjs.PoisonOf(r.Projection.Name(), f.m, f.e.ID, err))
	}
	return poison, nil
}

// inSavepoint runs fn under a savepoint of tx. If fn fails and the
// savepoint cannot even be rolled back (the connection is gone), that
// error is returned instead: it is not fn's event's fault.
func inSavepoint(ctx context.Context, tx pgx.Tx, fn func(pgx.Tx) error) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return &transientError{err}
	}
	if err := fn(sp); err != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return &transientError{fmt.Errorf("%w (rollback: %v)", err, rerr)}
		}
		return err
	}
	return sp.Commit(ctx)
}

// transientError is a failure of the transaction itself.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// permanent reports whether applying failed for a reason of the events
// themselves (a fold that fails, a row PostgreSQL refuses), which no retry
// fixes, rather than of the moment: a cancelled context, a lost
// connection, a serialization failure or deadlock, an overloaded or
// restarting server.
func permanent(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err) {
		return false
	}
	if _, ok := errors.AsType[*transientError](err); ok {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code[:2] {
		case "08", "40", "53", "55", "57", "58", "XX":
			return false
		}
	}
	return true
}

// checkMoved fails with errCheckpointMoved if the stored checkpoint is no
// longer the one this runner last wrote.
func (r *Runner) checkMoved(ctx context.Context, seenSeq uint64) error {
	seq, err := postgres.NewCheckpoints(r.DB).StreamSeq(ctx, r.Projection.Name())
	if err != nil {
		return err
	}
	if seq != seenSeq {
		return errCheckpointMoved
	}
	return nil
}

// ReadCheckpoint returns a projection's checkpoint (zero if it never ran).
func ReadCheckpoint(ctx context.Context, db *postgres.DB, name string) (Checkpoint, error) {
	return postgres.NewCheckpoints(db).Read(ctx, name)
}

// ListCheckpoints returns every projection's checkpoint.
func ListCheckpoints(ctx context.Context, db *postgres.DB) ([]Checkpoint, error) {
	return postgres.NewCheckpoints(db).List(ctx)
}

// Reset empties a projection and rewinds its checkpoint to zero, in one
// transaction; its runner then rebuilds it from the first event. Running
// runners notice on their next batch (the checkpoint row lock orders them).
func Reset(ctx context.Context, db *postgres.DB, p Projection) error {
	return db.Transact(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.LockCheckpoint(ctx, tx, p.Name()); err != nil {
			return err
		}
		if err := p.Reset(ctx, tx); err != nil {
			return fmt.Errorf("reset %s: %w", p.Name(), err)
		}
		return postgres.SaveCheckpoint(ctx, tx, Checkpoint{Name: p.Name()})
	})
}

// LockCheckpoint reads a projection's checkpoint inside tx and locks its row
// until tx ends: the projection's runner cannot commit a batch meanwhile.
// Rebuilds use it to swap in a new read model at a precise point.
func LockCheckpoint(ctx context.Context, tx pgx.Tx, name string) (Checkpoint, error) {
	return postgres.LockCheckpoint(ctx, tx, name)
}

// SaveCheckpoint stores cp inside tx (see LockCheckpoint). A changed
// StreamSeq makes a running runner restart from it; a changed Cursor alone
// only makes it skip more.
func SaveCheckpoint(ctx context.Context, tx pgx.Tx, cp Checkpoint) error {
	return postgres.SaveCheckpoint(ctx, tx, cp)
}
