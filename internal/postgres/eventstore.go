package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/id"
	"github.com/jackc/pgx/v5"
)

// InlineProjection is a read model written in the same transaction as the
// events that change it: Append applies it to every event it stores. Apply
// must ignore event types it does not handle. The inline projections
// themselves live in package projections and are passed to NewEventStore by
// the composition root.
type InlineProjection interface {
	Name() string
	Apply(ctx context.Context, tx pgx.Tx, e events.Event) error
}

// EventStore appends and loads events. It is the only writer of the events
// table.
type EventStore struct {
	db     *DB
	inline []InlineProjection
	upcast func(*events.Event) error

	// OnCommit, when set (before the store is used), is called with the
	// events of every committed transaction that appended some.
	OnCommit func([]events.Event)
	// observers are called after OnCommit (AfterCommit).
	observers atomic.Pointer[[]func([]events.Event)]
	// countries are the organizations' countries that commands read.
	countries command.Countries
}

// AfterCommit adds fn to the functions called, after OnCommit, with the
// events of every committed transaction that appended some, before the
// command returns (so before any answer is sent). A cache of this process
// registers its invalidation here, so that no write it acknowledges can
// be followed by a stale read of the same process. Safe to call while the
// store is in use; fn must be quick and must not block.
func (s *EventStore) AfterCommit(fn func([]events.Event)) {
	for {
		old := s.observers.Load()
		var fns []func([]events.Event)
		if old != nil {
			fns = append(fns, *old...)
		}
		fns = append(fns, fn)
		if s.observers.CompareAndSwap(old, &fns) {
			return
		}
	}
}

// NewEventStore returns a store that applies the inline projections to every
// appended event and upcasts every loaded event to its current schema.
func NewEventStore(db *DB, upcast func(*events.Event) error, inline ...InlineProjection) *EventStore {
	if upcast == nil {
		upcast = func(*events.Event) error { return nil }
	}
	return &EventStore{db: db, inline: inline, upcast: upcast}
}

// DB returns the pool the store writes through.
func (s *EventStore) DB() *DB { return s.db }

// Tx is one command's transaction: it loads streams and appends events, and
// remembers what it appended.
type Tx struct {
	pgx.Tx
	store    *EventStore
	meta     events.Metadata
	appended []events.Event
}

// Countries implements command.Tx.
func (tx *Tx) Countries() *command.Countries { return &tx.store.countries }

// Run runs fn in one transaction. Everything fn appends commits together or
// not at all; the appended events are returned after the commit. It holds
// no idempotency claim: requests go through RunClaimed (or Commands).
func (s *EventStore) Run(ctx context.Context, meta events.Metadata, fn func(tx *Tx) error) ([]events.Event, error) {
	return s.RunClaimed(ctx, meta, nil, fn)
}

// RunClaimed is Run for a request that holds an Idempotency-Key: claim,
// when not nil, is marked committed in the same transaction, with the
// answer its Response encodes (reads made while encoding go through the
// transaction), so that the key is never released once the request's
// events are stored, and a retry always finds the answer.
func (s *EventStore) RunClaimed(ctx context.Context, meta events.Metadata, claim *command.Claim, fn func(tx *Tx) error) ([]events.Event, error) {
	var appended []events.Event
	err := s.db.Transact(ctx, func(ptx pgx.Tx) error {
		tx := &Tx{Tx: ptx, store: s, meta: meta}
		if err := fn(tx); err != nil {
			return err
		}
		if err := markIdempotencyCommitted(ctx, ptx, claim); err != nil {
			return err
		}
		appended = tx.appended
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(appended) > 0 {
		s.committed(appended)
	}
	return appended, nil
}

// committed tells OnCommit and the AfterCommit observers what a
// transaction appended.
func (s *EventStore) committed(appended []events.Event) {
	if s.OnCommit != nil {
		s.OnCommit(appended)
	}
	if fns := s.observers.Load(); fns != nil {
		for _, fn := range *fns {
			fn(appended)
		}
	}
}

// Decide chooses the events a command appends to a stream, given its history.
type Decide func(ctx context.Context, tx *Tx, history []events.Event) ([]events.Draft, error)

// Execute is the common case of Run: fold one stream, decide, append with the
// expected version. It returns the whole stream after the append.
func (s *EventStore) Execute(ctx context.Context, st events.Stream, meta events.Metadata, decide Decide) ([]events.Event, error) {
	var all []events.Event
	_, err := s.Run(ctx, meta, func(tx *Tx) error {
		history, added, err := tx.Decide(ctx, st, func(history []events.Event) ([]events.Draft, error) {
			return decide(ctx, tx, history)
		})
		if err != nil {
			return err
		}
		all = append(history, added...)
		return nil
	})
	return all, err
}

// Decide loads st, lets decide choose on its history and appends that at
// the version read (version_conflict if another writer came first). It
// returns the history read and the events appended.
func (tx *Tx) Decide(ctx context.Context, st events.Stream, decide func(history []events.Event) ([]events.Draft, error)) (history, added []events.Event, err error) {
	if history, err = tx.Load(ctx, st); err != nil {
		return nil, nil, err
	}
	drafts, err := decide(history)
	if err != nil {
		return nil, nil, err
	}
	if added, err = tx.Append(ctx, st, len(history), drafts...); err != nil {
		return nil, nil, err
	}
	return history, added, nil
}

// Load returns the events of one stream in version order. A stream of
// another tenant reads as empty, so that callers answer 404.
func (tx *Tx) Load(ctx context.Context, st events.Stream) ([]events.Event, error) {
	return tx.store.load(ctx, tx, st, time.Time{})
}

// Load reads a stream outside any command (single-resource reads).
func (s *EventStore) Load(ctx context.Context, st events.Stream) ([]events.Event, error) {
	return s.load(ctx, s.db.Pool, st, time.Time{})
}

// LoadAsOf reads the events of a stream created at or before t.
func (s *EventStore) LoadAsOf(ctx context.Context, st events.Stream, t time.Time) ([]events.Event, error) {
	return s.load(ctx, s.db.Pool, st, t)
}

// eventColumns lists an event's columns for scanEvent. The transaction id is
// read as text under its own name: an output column called tx_id would make
// "ORDER BY tx_id" sort by the text ("10" before "9").
const eventColumns = `position, tx_id::text AS tx_text, id, org_id, livemode, stream_id, stream_version,
	type, schema_version, data, metadata, created_at`

// loadStreamSQL reads one stream of a tenant, in version order. The stream
// is selected in a CTE of its own, so that the only index the plan can use
// is (stream_id, stream_version): with the tenant's columns beside it, a
// generic plan (which pgx's prepared statements get after five runs) may
// pick the tenant index and read every event of the organization to find
// one stream's, a cost that grows with the tenant's history. The tenant is
// checked on the stream's rows: a stream of another tenant reads as empty.
const loadStreamSQL = `WITH stream AS MATERIALIZED (
		SELECT ` + eventColumns + ` FROM events WHERE stream_id = $1)
	SELECT * FROM stream WHERE org_id = $2 AND livemode = $3
	ORDER BY stream_version`

// loadStreamAsOfSQL is loadStreamSQL up to a time: created_at is checked on
// the stream's rows too, so the plan never walks events_created either.
const loadStreamAsOfSQL = `WITH stream AS MATERIALIZED (
		SELECT ` + eventColumns + ` FROM events WHERE stream_id = $1)
	SELECT * FROM stream WHERE org_id = $2 AND livemode = $3 AND created_at <= $4
	ORDER BY stream_version`

func (s *EventStore) load(ctx context.Context, q Querier, st events.Stream, asOf time.Time) ([]events.Event, error) {
	sql, args := loadStreamSQL, []any{st.ID, st.OrgID, st.Livemode}
	if !asOf.IsZero() {
		sql, args = loadStreamAsOfSQL, append(args, asOf)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("load stream %s: %w", st.ID, err)
	}
	return s.collect(rows)
}

// collect scans event rows and upcasts each to its current schema.
func (s *EventStore) collect(rows pgx.Rows) ([]events.Event, error) {
	return collectEvents(rows, s.upcast)
}

// collectEvents scans event rows (of eventColumns), upcasting each.
func collectEvents(rows pgx.Rows, upcast func(*events.Event) error) ([]events.Event, error) {
	defer rows.Close()
	var out []events.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		if err := upcast(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

func scanEvent(row pgx.Row) (events.Event, error) {
	var e events.Event
	var tx string
	var meta []byte
	err := row.Scan(&e.Position, &tx, &e.ID, &e.OrgID, &e.Livemode, &e.StreamID, &e.StreamVersion,
		&e.Type, &e.SchemaVersion, &e.Data, &meta, &e.CreatedAt)
	if err != nil {
		return e, fmt.Errorf("scan event: %w", err)
	}
	if e.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
		return e, fmt.Errorf("event %s tx id %q: %w", e.ID, tx, err)
	}
	if meta != nil { // NULL where a read leaves it out (bulkColumns)
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return e, fmt.Errorf("event %s metadata: %w", e.ID, err)
		}
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// Append adds drafts to a stream whose current version the caller read as
// expected. If another writer appended first, the unique (stream_id,
// stream_version) constraint refuses the insert and the command fails with
// version_conflict: never a lost update. An event of one kind of object is
// never appended to the stream of another (checkStreamKind).
func (tx *Tx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	for _, d := range drafts {
		if err := checkStreamKind(st, d.Type); err != nil {
			return nil, err
		}
	}
	meta, err := json.Marshal(tx.meta)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	out := make([]events.Event, 0, len(drafts))
	for i, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.Type, err)
		}
		e := events.Event{
			ID: id.New(id.Event), OrgID: st.OrgID, Livemode: st.Livemode, StreamID: st.ID,
			StreamVersion: expected + i + 1, Type: d.Type, SchemaVersion: events.CurrentSchema(d.Type),
			Data: data, Metadata: tx.meta,
		}
		var txid string
		err = tx.QueryRow(ctx, `INSERT INTO events
			(id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING position, tx_id::text, created_at`,
			e.ID, e.OrgID, e.Livemode, e.StreamID, e.StreamVersion, e.Type, e.SchemaVersion, data, meta,
		).Scan(&e.Position, &txid, &e.CreatedAt)
		if isUniqueViolation(err, "events_stream_version_key") {
			return nil, &facturo.Error{Code: facturo.CodeVersionConflict,
				Message: "The resource was changed by a concurrent request; fetch it and try again.", Err: err}
		}
		if err != nil {
			return nil, fmt.Errorf("append %s to %s: %w", d.Type, st.ID, err)
		}
		if e.TxID, err = strconv.ParseUint(txid, 10, 64); err != nil {
			return nil, fmt.Errorf("tx id %q: %w", txid, err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		for _, p := range tx.store.inline {
			if err := p.Apply(ctx, tx.Tx, e); err != nil {
				return nil, fmt.Errorf("inline projection %s on %s: %w", p.Name(), e.ID, err)
			}
		}
		out = append(out, e)
	}
	tx.appended = append(tx.appended, out...)
	return out, nil
}

// eventByIDSQL reads one event of a tenant by id.
const eventByIDSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE id = $1 AND org_id = $2 AND livemode = $3`

// EventByID returns one event of a tenant.
func (s *EventStore) EventByID(ctx context.Context, t facturo.Tenant, eventID string) (events.Event, error) {
	rows, err := s.db.Pool.Query(ctx, eventByIDSQL, eventID, t.OrgID, t.Livemode)
	if err != nil {
		return events.Event{}, fmt.Errorf("event %s: %w", eventID, err)
	}
	evs, err := s.collect(rows)
	if err != nil {
		return events.Event{}, err
	}
	if len(evs) == 0 {
		return events.Event{}, facturo.NotFound("event", eventID)
	}
	return evs[0], nil
}

// ReadTypesAfter returns up to limit committed events of the given types
// after cursor, in relay order, without the snapshot horizon of ReadAfter:
// for rebuilding inline projections, where a transaction that has not
// committed yet writes its own read-model rows.
func (s *EventStore) ReadTypesAfter(ctx context.Context, q Querier, after events.Cursor, types []string, limit int) ([]events.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE (tx_id, position) > ($1::text::xid8, $2) AND type = ANY($3)
		ORDER BY events.tx_id, events.position
		LIMIT $4`, strconv.FormatUint(after.TxID, 10), after.Position, types, limit)
	if err != nil {
		return nil, fmt.Errorf("read %v events after %v: %w", types, after, err)
	}
	return s.collect(rows)
}

// readAfterSQL reads the next events in relay order below the horizon.
const readAfterSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE (tx_id, position) > ($1::text::xid8, $2)
	  AND tx_id < ` + relayHorizonSQL + `
	ORDER BY events.tx_id, events.position
	LIMIT $3`

// ReadAfter returns up to limit events after cursor in relay order, only
// below the snapshot horizon: rows of transactions that might still commit
// are never passed over. Used by the relay and by rebuilds.
func (s *EventStore) ReadAfter(ctx context.Context, q Querier, after events.Cursor, limit int) ([]events.Event, error) {
	rows, err := q.Query(ctx, readAfterSQL, strconv.FormatUint(after.TxID, 10), after.Position, limit)
	if err != nil {
		return nil, fmt.Errorf("read events after %v: %w", after, err)
	}
	return s.collect(rows)
}

// LoadUpTo reads e's stream up to and including e, upcast: the state right
// after it, whether a projection applies e inline or during a rebuild.
func LoadUpTo(ctx context.Context, q Querier, e events.Event) ([]events.Event, error) {
	return loadUpTo(ctx, q, e, events.Upcast)
}

// LoadUpTo reads e's stream up to and including e, upcast: what
// events.Render folds to show e.
func (s *EventStore) LoadUpTo(ctx context.Context, e events.Event) ([]events.Event, error) {
	return loadUpTo(ctx, s.db.Pool, e, s.upcast)
}

// loadUpToSQL reads a stream up to a version.
const loadUpToSQL = `SELECT ` + eventColumns + ` FROM events
	WHERE stream_id = $1 AND stream_version <= $2 ORDER BY stream_version`

func loadUpTo(ctx context.Context, q Querier, e events.Event, upcast func(*events.Event) error) ([]events.Event, error) {
	rows, err := q.Query(ctx, loadUpToSQL, e.StreamID, e.StreamVersion)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", e.StreamID, err)
	}
	return collectEvents(rows, upcast)
}

// LoadEachUpTo reads, in one query, the stream of each event of list up to
// that event, upcast: out[i] is the history of list[i].
func (s *EventStore) LoadEachUpTo(ctx context.Context, list []events.Event) ([][]events.Event, error) {
	streams, err := loadStreamsUpTo(ctx, s.db.Pool, list, s.upcast)
	if err != nil {
		return nil, err
	}
	out := make([][]events.Event, len(list))
	for i, e := range list {
		h := streams[e.StreamID]
		if len(h) < e.StreamVersion {
			return nil, fmt.Errorf("stream %s has %d events, not up to %s (version %d)", e.StreamID, len(h), e.ID, e.StreamVersion)
		}
		out[i] = h[:e.StreamVersion:e.StreamVersion]
	}
	return out, nil
}

// LoadStreamsUpTo reads, in one query, the history of each event's stream
// up to that event (up to the latest, for a stream named twice), upcast,
// by stream id.
func LoadStreamsUpTo(ctx context.Context, q Querier, upTo []events.Event) (map[string][]events.Event, error) {
	return loadStreamsUpTo(ctx, q, upTo, events.Upcast)
}

// loadStreamsUpToSQL reads several streams, each up to a version. Each
// stream is read by its own index scan of (stream_id, stream_version):
// OFFSET 0 keeps the planner from flattening the LATERAL subquery into a
// plain join, which it planned as a hash join over a sequential scan of
// events, so that every projection batch and webhook fan-out read the
// whole table.
const loadStreamsUpToSQL = `SELECT e.* FROM unnest($1::text[], $2::bigint[]) AS upto(stream_id, version)
	CROSS JOIN LATERAL (SELECT ` + eventColumns + ` FROM events
		WHERE events.stream_id = upto.stream_id AND events.stream_version <= upto.version
		OFFSET 0) e
	ORDER BY e.stream_id, e.stream_version`

func loadStreamsUpTo(ctx context.Context, q Querier, upTo []events.Event, upcast func(*events.Event) error) (map[string][]events.Event, error) {
	highest := map[string]int{} // stream → highest version asked
	for _, e := range upTo {
		highest[e.StreamID] = max(highest[e.StreamID], e.StreamVersion)
	}
	ids := make([]string, 0, len(highest))
	versions := make([]int64, 0, len(highest))
	for id, v := range highest {
		ids, versions = append(ids, id), append(versions, int64(v))
	}
	rows, err := q.Query(ctx, loadStreamsUpToSQL, ids, versions)
	if err != nil {
		return nil, fmt.Errorf("load %d streams: %w", len(ids), err)
	}
	all, err := collectEvents(rows, upcast)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]events.Event, len(ids))
	for _, ev := range all {
		out[ev.StreamID] = append(out[ev.StreamID], ev)
	}
	return out, nil
}
