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

// RelayCursor is where the relay has got to.
type RelayCursor struct {
	Cursor    events.Cursor
	StreamSeq uint64
	UpdatedAt time.Time
}

// ReadRelayCursor returns the relay's cursor; found is false if the relay
// never ran.
func ReadRelayCursor(ctx context.Context, q Querier) (rc RelayCursor, found bool, err error) {
	var tx string
	var seq int64
	err = q.QueryRow(ctx, `SELECT tx_id::text, position, stream_seq, updated_at FROM relay_cursor WHERE name = 'main'`).
		Scan(&tx, &rc.Cursor.Position, &seq, &rc.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return rc, false, nil
	}
	if err != nil {
		return rc, false, fmt.Errorf("relay cursor: %w", err)
	}
	if rc.Cursor.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
		return rc, false, err
	}
	rc.StreamSeq = uint64(seq)
	return rc, true, nil
}
