package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/facturo/facturo/migrations"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrate applies every pending migration. A session advisory lock makes it
// safe for several API and worker processes to start at once.
func Migrate(ctx context.Context, db *DB) error {
	provider, sqlDB, err := newMigrator(db)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationsPending reports whether the database lacks any migration this
// binary knows (used by /readyz).
func MigrationsPending(ctx context.Context, db *DB) (bool, error) {
	provider, sqlDB, err := newMigrator(db)
	if err != nil {
		return false, err
	}
	defer sqlDB.Close()
	return provider.HasPending(ctx)
}

func newMigrator(db *DB) (*goose.Provider, *sql.DB, error) {
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, fmt.Errorf("migration locker: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithSessionLocker(locker))
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("migration provider: %w", err)
	}
	return provider, sqlDB, nil
}
