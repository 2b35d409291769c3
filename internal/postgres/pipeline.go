package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
)

// The pipeline's own bookkeeping: the relay's cursor (relay_cursor), the
// projections' checkpoints (projection_checkpoints) and the figures the
// worker's gauges show. The relay, the projection runner and the metrics
// poller call these; they hold no SQL themselves.

// RelayCursors stores where each relay has got to.
type RelayCursors struct{ q Querier }

// NewRelayCursors returns the relay cursor store read and written through
// q: a pool, or the active relay's own session.
func NewRelayCursors(q Querier) *RelayCursors { return &RelayCursors{q: q} }

// Get returns relay name's cursor, creating it at zero the first time.
func (s *RelayCursors) Get(ctx context.Context, name string) (events.Cursor, error) {
	var c events.Cursor
	var tx string
	err := s.q.QueryRow(ctx, `INSERT INTO relay_cursor (name) VALUES ($1)
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
		RETURNING tx_id::text, position`, name).Scan(&tx, &c.Position)
	if err != nil {
		return c, fmt.Errorf("read relay cursor: %w", err)
	}
	c.TxID, err = strconv.ParseUint(tx, 10, 64)
	return c, err
}

// Save moves relay name's cursor to c; streamSeq is the JetStream sequence
// of the last event published (the stored one never goes back).
func (s *RelayCursors) Save(ctx context.Context, name string, c events.Cursor, streamSeq uint64) error {
	_, err := s.q.Exec(ctx, `UPDATE relay_cursor
		SET tx_id = $2::text::xid8, position = $3, stream_seq = GREATEST(stream_seq, $4), updated_at = now()
		WHERE name = $1`, name, strconv.FormatUint(c.TxID, 10), c.Position, int64(streamSeq))
	if err != nil {
		return fmt.Errorf("save relay cursor: %w", err)
	}
	return nil
}

// relayPendingSQL asks for the first event past a cursor in relay order.
// Ordered and limited (in a subquery: EXISTS drops an ORDER BY), it is a
// probe of events_relay_order. A bare EXISTS let the planner expect a match
// early in a sequential scan, which reads the whole table whenever nothing
// is pending, the common case.
const relayPendingSQL = `SELECT count(*) > 0 FROM (SELECT 1 FROM events
	WHERE (tx_id, position) > ($1::text::xid8, $2)
	ORDER BY tx_id, position LIMIT 1) AS first`

// AnyAfter reports whether any event, visible to the relay or not yet
// below the snapshot horizon, lies past cur in relay order.
func (s *RelayCursors) AnyAfter(ctx context.Context, cur events.Cursor) (bool, error) {
	var pending bool
	err := s.q.QueryRow(ctx, relayPendingSQL, strconv.FormatUint(cur.TxID, 10), cur.Position).Scan(&pending)
	if err != nil {
		return false, fmt.Errorf("pending events: %w", err)
	}
	return pending, nil
}

// Checkpoint is where a projection has got to: the relay cursor of the
// last event it applied and the stream sequence of the last message.
type Checkpoint struct {
	Name      string
	Cursor    events.Cursor
	StreamSeq uint64
	UpdatedAt time.Time
}

// Checkpoints stores the projections' checkpoints. Those read or written
// with a read-model change take the transaction (LockCheckpoint,
// SaveCheckpoint); the others use the pool.
type Checkpoints struct{ db *DB }

// NewCheckpoints returns the checkpoint store of db.
func NewCheckpoints(db *DB) *Checkpoints { return &Checkpoints{db: db} }

// Read returns a projection's checkpoint (zero if it never ran).
func (s *Checkpoints) Read(ctx context.Context, name string) (Checkpoint, error) {
	var cp Checkpoint
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		cp, err = LockCheckpoint(ctx, tx, name)
		return err
	})
	return cp, err
}

// StreamSeq returns the stream sequence of a projection's checkpoint.
func (s *Checkpoints) StreamSeq(ctx context.Context, name string) (uint64, error) {
	var seq int64
	err := s.db.Pool.QueryRow(ctx, `SELECT stream_seq FROM projection_checkpoints WHERE name = $1`, name).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("read checkpoint %s: %w", name, err)
	}
	return uint64(seq), nil
}

// List returns every projection's checkpoint, by name.
func (s *Checkpoints) List(ctx context.Context) ([]Checkpoint, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT name, tx_id::text, position, stream_seq, updated_at
		FROM projection_checkpoints ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		cp, err := scanCheckpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

// LockCheckpoint reads a projection's checkpoint inside tx, creating it at
// zero the first time, and locks its row until tx ends.
func LockCheckpoint(ctx context.Context, tx pgx.Tx, name string) (Checkpoint, error) {
	return lockCheckpoint(ctx, tx, name, false)
}

// LockCheckpointWithoutEvents is NoEvents and LockCheckpoint in one round
// trip: how a projection batch starts.
func LockCheckpointWithoutEvents(ctx context.Context, tx pgx.Tx, name string) (Checkpoint, error) {
	return lockCheckpoint(ctx, tx, name, true)
}

func lockCheckpoint(ctx context.Context, tx pgx.Tx, name string, noEvents bool) (Checkpoint, error) {
	var b pgx.Batch
	if noEvents {
		b.Queue(noEventsSQL)
	}
	b.Queue(`INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name)
	b.Queue(`SELECT name, tx_id::text, position, stream_seq, updated_at
		FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, name)
	res := tx.SendBatch(ctx, &b)
	defer res.Close()
	if noEvents {
		if _, err := res.Exec(); err != nil {
			return Checkpoint{}, fmt.Errorf("declare a transaction without events: %w", err)
		}
	}
	if _, err := res.Exec(); err != nil {
		return Checkpoint{}, fmt.Errorf("init checkpoint %s: %w", name, err)
	}
	cp, err := scanCheckpoint(res.QueryRow())
	if err != nil {
		return cp, err
	}
	return cp, res.Close()
}

// SaveCheckpoint stores cp inside tx.
func SaveCheckpoint(ctx context.Context, tx pgx.Tx, cp Checkpoint) error {
	_, err := tx.Exec(ctx, `UPDATE projection_checkpoints
		SET tx_id = $2::text::xid8, position = $3, stream_seq = $4, updated_at = now()
		WHERE name = $1`, cp.Name, strconv.FormatUint(cp.Cursor.TxID, 10), cp.Cursor.Position, int64(cp.StreamSeq))
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", cp.Name, err)
	}
	return nil
}

func scanCheckpoint(row pgx.Row) (Checkpoint, error) {
	var cp Checkpoint
	var tx string
	var seq int64
	if err := row.Scan(&cp.Name, &tx, &cp.Cursor.Position, &seq, &cp.UpdatedAt); err != nil {
		return cp, fmt.Errorf("read checkpoint: %w", err)
	}
	var err error
	cp.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64)
	cp.StreamSeq = uint64(seq)
	return cp, err
}

// Stats answers the queries behind the worker's system-wide gauges.
type Stats struct{ db *DB }

// NewStats returns the statistics queries of db.
func NewStats(db *DB) *Stats { return &Stats{db: db} }

// Queues are the sizes the worker's gauges show.
type Queues struct {
	EventsStored       int64 // highest position appended so far
	DeliveriesDue      int64 // pending webhook deliveries never attempted
	DeliveriesRetrying int64 // pending webhook deliveries waiting for a retry
}

// Queues reads the current sizes in one statement.
func (s *Stats) Queues(ctx context.Context) (Queues, error) {
	var q Queues
	err := s.db.Pool.QueryRow(ctx, `SELECT
		(SELECT COALESCE(max(position), 0) FROM events),
		(SELECT count(*) FROM webhook_deliveries WHERE status = 'pending' AND attempts = 0),
		(SELECT count(*) FROM webhook_deliveries WHERE status = 'pending' AND attempts > 0)`).
		Scan(&q.EventsStored, &q.DeliveriesDue, &q.DeliveriesRetrying)
	if err != nil {
		return q, fmt.Errorf("queue depth: %w", err)
	}
	return q, nil
}
