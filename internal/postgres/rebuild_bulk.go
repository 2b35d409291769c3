package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
)

// The statements of a stream-major rebuild's first phase
// (projections.Rebuilder.bulk): every stream read once in stream id order,
// its row written once with COPY, then a catch-up in relay order from the
// horizon cursor taken when the phase began.

// HorizonCursor is the relay cursor of the last event below the snapshot
// horizon (what the relay and ReadAfter could read now), the zero cursor
// when there is none. Every event at or before it is committed; an event
// committed later sorts after it.
func HorizonCursor(ctx context.Context, q Querier) (events.Cursor, error) {
	var c events.Cursor
	var tx string
	err := q.QueryRow(ctx, `SELECT tx_id::text, position FROM events
		WHERE tx_id < `+relayHorizonSQL+`
		ORDER BY tx_id DESC, position DESC LIMIT 1`).Scan(&tx, &c.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return events.Cursor{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("horizon cursor: %w", err)
	}
	c.TxID, err = strconv.ParseUint(tx, 10, 64)
	return c, err
}

// StartBulk records that the rebuild of name begins its stream-major phase
// and will catch up from c.
func StartBulk(ctx context.Context, tx pgx.Tx, name string, c events.Cursor) error {
	_, err := tx.Exec(ctx, `UPDATE projection_rebuilds
		SET tx_id = $2::text::xid8, position = $3, bulk_after = '', updated_at = now() WHERE name = $1`,
		name, strconv.FormatUint(c.TxID, 10), c.Position)
	if err != nil {
		return fmt.Errorf("start stream-major rebuild %s: %w", name, err)
	}
	return nil
}

// SaveBulk records that the rows of every stream up to lastStream are
// written, n events further; lastStream "" ends the phase.
func SaveBulk(ctx context.Context, tx pgx.Tx, name, lastStream string, n int64) error {
	var after *string
	if lastStream != "" {
		after = &lastStream
	}
	_, err := tx.Exec(ctx, `UPDATE projection_rebuilds
		SET bulk_after = $2, applied = applied + $3, updated_at = now() WHERE name = $1`, name, after, n)
	if err != nil {
		return fmt.Errorf("save stream-major rebuild %s: %w", name, err)
	}
	return nil
}

// bulkColumns are eventColumns with the metadata left out (NULL), which no
// fold reads: decoding it was half of a rebuild's Go time.
const bulkColumns = `position, tx_id::text AS tx_text, id, org_id, livemode, stream_id, stream_version,
	type, schema_version, data, NULL::jsonb AS metadata, created_at`

// ReadStreamMajor returns up to limit events after (stream, version) in
// (stream_id, stream_version) order, followed by the rest of the last
// stream it reached, so that every stream in the answer is whole from
// where it starts. Metadata is not read.
func (s *EventStore) ReadStreamMajor(ctx context.Context, q Querier, stream string, version, limit int) ([]events.Event, error) {
	out, err := s.readStreamMajor(ctx, q, `SELECT `+bulkColumns+` FROM events
		WHERE (stream_id, stream_version) > ($1, $2) ORDER BY stream_id, stream_version LIMIT $3`,
		stream, version, limit)
	if err != nil || len(out) < limit {
		return out, err
	}
	last := out[len(out)-1]
	rest, err := s.readStreamMajor(ctx, q, `SELECT `+bulkColumns+` FROM events
		WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version`, last.StreamID, last.StreamVersion)
	return append(out, rest...), err
}

func (s *EventStore) readStreamMajor(ctx context.Context, q Querier, sql string, args ...any) ([]events.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read streams: %w", err)
	}
	return collectEvents(rows, s.upcast)
}

// Copy writes new documents with COPY into the documents table that tx
// resolves (the shadow copy during a rebuild), which must not hold them
// yet; documents that do not exist (deleted) are skipped.
func (DocumentWriter) Copy(ctx context.Context, tx pgx.Tx, docs []Document) error {
	rows := make([][]any, 0, len(docs))
	for _, d := range docs {
		if d.Exists {
			rows = append(rows, []any{d.Kind, d.ID, d.OrgID, d.Livemode, d.Status, d.ClientID, d.Series, d.Version, d.Data, d.CreatedAt})
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"documents"},
		[]string{"kind", "id", "org_id", "livemode", "status", "client_id", "series", "version", "data", "created_at"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy %d documents: %w", len(rows), err)
	}
	return nil
}
