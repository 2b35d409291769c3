package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CreateDatabaseAt creates database name on the server adminDSN points at,
// copied from template when it is not empty. A template still held by a
// closing connection (SQLSTATE 55006) is retried for a few seconds: pools
// close asynchronously, so "prepare, close, clone" would otherwise be flaky.
func CreateDatabaseAt(ctx context.Context, adminDSN, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := execAt(ctx, adminDSN, sql)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("pgcluster: create database %s: %w", name, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgcluster: create database %s: %w (last error: %w)", name, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DropDatabaseAt drops database name on the server adminDSN points at,
// disconnecting whoever still uses it. A missing database is not an error.
func DropDatabaseAt(ctx context.Context, adminDSN, name string) error {
	err := execAt(ctx, adminDSN, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("pgcluster: drop database %s: %w", name, err)
	}
	return nil
}

// execAt runs one statement on its own connection: CREATE/DROP DATABASE
// cannot run inside a transaction, and these calls are rare.
func execAt(ctx context.Context, dsn, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql, args...)
	return err
}
