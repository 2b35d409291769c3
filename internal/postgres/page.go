package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Page is a cursor-paginated list request over ULID ids, newest first.
// StartingAfter and EndingBefore are ids of the previous page's last and
// first items; at most one is set.
type Page struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
}

// paginate appends the cursor condition and order to a query whose id
// column is "id" and whose WHERE clause already exists.
func paginate(sql string, args []any, p Page) (string, []any) {
	switch {
	case p.StartingAfter != "":
		args = append(args, p.StartingAfter)
		sql += fmt.Sprintf(" AND id < $%d ORDER BY id DESC", len(args))
	case p.EndingBefore != "":
		args = append(args, p.EndingBefore)
		sql += fmt.Sprintf(" AND id > $%d ORDER BY id ASC", len(args))
	default:
		sql += " ORDER BY id DESC"
	}
	args = append(args, p.Limit+1)
	return sql + fmt.Sprintf(" LIMIT $%d", len(args)), args
}

// listRows runs a paginated query and returns one page, newest first, and
// whether more items lie beyond it in the direction of travel.
func listRows[T any](ctx context.Context, db *DB, p Page, sql string, args []any, scan func(pgx.Rows) (T, error)) ([]T, bool, error) {
	sql, args = paginate(sql, args, p)
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, false, fmt.Errorf("scan list row: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("list: %w", err)
	}
	more := len(out) > p.Limit
	if more {
		out = out[:p.Limit]
	}
	if p.EndingBefore != "" { // fetched oldest first: show newest first
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, more, nil
}

// listJSON is listRows for queries selecting one JSON column.
func listJSON[T any](ctx context.Context, db *DB, p Page, sql string, args ...any) ([]T, bool, error) {
	return listRows(ctx, db, p, sql, args, func(row pgx.Rows) (T, error) {
		var raw []byte
		var v T
		if err := row.Scan(&raw); err != nil {
			return v, err
		}
		return v, json.Unmarshal(raw, &v)
	})
}
