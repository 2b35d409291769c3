package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/jackc/pgx/v5"
)

// SeriesCounter is the locked counter row of one series of a tenant.
type SeriesCounter = command.Counter

// SeriesID returns the id of the series object that owns code in t, ""
// when none was created (the code may still have a counter: the default
// series, or codes used before series had to be created).
func (tx *Tx) SeriesID(ctx context.Context, t facturo.Tenant, code string) (string, error) {
	var sid *string
	err := tx.QueryRow(ctx, `SELECT series_id FROM series_counters
		WHERE org_id = $1 AND livemode = $2 AND series = $3`, t.OrgID, t.Livemode, code).Scan(&sid)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && sid == nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("series %s: %w", code, err)
	}
	return *sid, nil
}

// LockCounter makes sure the counter row exists (upsert), then locks it
// until tx ends: every writer of a counter goes through here, so they
// queue on the row instead of racing.
func (tx *Tx) LockCounter(ctx context.Context, t facturo.Tenant, series string) (SeriesCounter, error) {
	_, err := tx.Exec(ctx, `INSERT INTO series_counters (org_id, livemode, series)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, t.OrgID, t.Livemode, series)
	if err != nil {
		return SeriesCounter{}, fmt.Errorf("create counter of series %s: %w", series, err)
	}
	c := SeriesCounter{Series: series}
	var sid *string
	err = tx.QueryRow(ctx, `SELECT series_id, next_number, last_issued FROM series_counters
		WHERE org_id = $1 AND livemode = $2 AND series = $3 FOR UPDATE`,
		t.OrgID, t.Livemode, series).Scan(&sid, &c.NextNumber, &c.LastIssued)
	if err != nil {
		return c, fmt.Errorf("lock counter of series %s: %w", series, err)
	}
	if sid != nil {
		c.SeriesID = *sid
	}
	return c, nil
}

// TakeNumber takes the next number of a series of t inside tx, the
// transaction that appends the issue. The row stays locked until tx ends, so
// numbers are never duplicated, and a rollback gives the number back, so
// they have no gaps. The counter also names the series object, if any, so
// the caller can format the number with its prefix.
func (tx *Tx) TakeNumber(ctx context.Context, t facturo.Tenant, series string) (SeriesCounter, int64, error) {
	c, err := tx.LockCounter(ctx, t, series)
	if err != nil {
		return c, 0, err
	}
	n := c.NextNumber
	if n < 1 || n == math.MaxInt64 {
		return c, 0, fmt.Errorf("counter of series %s is at %d: cannot count on", series, n)
	}
	_, err = tx.Exec(ctx, `UPDATE series_counters SET next_number = $4, last_issued = $5
		WHERE org_id = $1 AND livemode = $2 AND series = $3`, t.OrgID, t.Livemode, series, n+1, n)
	if err != nil {
		return c, 0, fmt.Errorf("advance counter of series %s: %w", series, err)
	}
	return c, n, nil
}

// ClaimSeries records that the series object seriesID owns code in t and
// that numbering goes on from next. A code that another series claimed is
// resource_exists; a next below a number already issued (by invoices in a
// series used before it was created) is refused.
func (tx *Tx) ClaimSeries(ctx context.Context, t facturo.Tenant, code, seriesID string, next int64) error {
	c, err := tx.LockCounter(ctx, t, code)
	if err != nil {
		return err
	}
	if c.SeriesID != "" {
		return facturo.ParamError(facturo.CodeAlreadyExists, "code", "A series with code %s already exists.", code)
	}
	return setCounter(ctx, tx, t, c, seriesID, next)
}

// MoveSeries sets where the numbering of a created series goes on from.
func (tx *Tx) MoveSeries(ctx context.Context, t facturo.Tenant, code string, next int64) error {
	c, err := tx.LockCounter(ctx, t, code)
	if err != nil {
		return err
	}
	return setCounter(ctx, tx, t, c, c.SeriesID, next)
}

func setCounter(ctx context.Context, tx *Tx, t facturo.Tenant, c SeriesCounter, seriesID string, next int64) error {
	if next <= c.LastIssued {
		return facturo.ParamError(facturo.CodeParameterInvalid, "next_number",
			"next_number must be greater than %d, the last number issued in series %s.", c.LastIssued, c.Series)
	}
	_, err := tx.Exec(ctx, `UPDATE series_counters SET series_id = $4, next_number = $5
		WHERE org_id = $1 AND livemode = $2 AND series = $3`, t.OrgID, t.Livemode, c.Series, seriesID, next)
	if err != nil {
		return fmt.Errorf("set counter of series %s: %w", c.Series, err)
	}
	return nil
}

// NextNumbers returns the next number of every series of t, by code: what
// series views show, since the events only record where numbering started.
func NextNumbers(ctx context.Context, db *DB, t facturo.Tenant) (map[string]int64, error) {
	rows, err := db.querier(ctx).Query(ctx, `SELECT series, next_number FROM series_counters
		WHERE org_id = $1 AND livemode = $2`, t.OrgID, t.Livemode)
	if err != nil {
		return nil, fmt.Errorf("series counters: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var next int64
		if err := rows.Scan(&code, &next); err != nil {
			return nil, fmt.Errorf("scan series counter: %w", err)
		}
		out[code] = next
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series counters: %w", err)
	}
	return out, nil
}
