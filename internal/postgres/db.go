// Package postgres is where Facturo talks to PostgreSQL: the event store,
// migrations, the read-model queries, the statements the projections (package projections) write their read models
// and rebuild them with, and those of the operator tooling
// (internal/replay). It does not import package projections: the inline
// projections are handed to NewEventStore. (WebhookEndpointsProjection, the
// webhook_endpoints read model that WebhookStore writes in its own
// commands, is still here.) Every method that reads tenant data for the API
// takes the tenant and filters on it; the operator tooling's reads
// (EventStore.FindEvent, EventStore.Bounds, WebhookStore.Redeliver, status)
// work across tenants.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the connection pool shared by the stores.
type DB struct {
	Pool *pgxpool.Pool
}

// Querier is what both a pool and a transaction offer.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects a pool to dsn and checks that the server answers.
func Open(ctx context.Context, dsn string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.Pool.Close() }

// transactAttempts bounds how often Transact runs fn when PostgreSQL
// aborts the transaction to resolve a conflict it detected.
const transactAttempts = 3

// Transact runs fn in a transaction, committing if it returns nil and rolling
// back on error or panic. A transaction that PostgreSQL aborted as a
// deadlock victim or for a serialization failure is run again (fn must
// keep its effects inside tx, as every caller does): such an abort is the
// database choosing one of two correct transactions, not a failed request.
func (db *DB) Transact(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.transactOnce(ctx, fn)
		if attempt == transactAttempts || !isRetryableConflict(err) || ctx.Err() != nil {
			return err
		}
		select { // a short, growing pause lets the other transaction finish
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isRetryableConflict reports whether err is a deadlock (40P01) or a
// serialization failure (40001).
func isRetryableConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// isUniqueViolation reports whether err is a unique violation of constraint
// (any constraint when constraint is empty).
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}
