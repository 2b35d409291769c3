// Package pgtest gives tests a fresh, migrated Facturo database on the
// PostgreSQL that internal/testenv starts. (internal/testenv itself cannot
// migrate: the postgres package's own tests import it.)
package pgtest

import (
	"context"
	"testing"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
)

// Migrated returns the URL of a fresh database cloned from a template that
// every migration was applied to once.
func Migrated(t testing.TB) string {
	t.Helper()
	return testenv.PostgresFrom(t, "migrated", func(ctx context.Context, dsn string) error {
		db, err := postgres.Open(ctx, dsn, 2)
		if err != nil {
			return err
		}
		defer db.Close()
		return postgres.Migrate(ctx, db)
	})
}
