package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/jackc/pgx/v5"
)

// KeepLogo stores an organization's logo under its digest, in the
// transaction that appends organization.logo_updated.
func (tx *Tx) KeepLogo(ctx context.Context, orgID string, l accounts.Logo, data []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO organization_logos (org_id, sha256, content_type, data)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, orgID, l.SHA256, l.ContentType, data)
	if err != nil {
		return fmt.Errorf("keep logo of %s: %w", orgID, err)
	}
	return nil
}

// LogoStore reads the logos organizations uploaded.
type LogoStore struct{ db *DB }

// NewLogoStore returns a LogoStore on db.
func NewLogoStore(db *DB) *LogoStore { return &LogoStore{db: db} }

// Logo returns the bytes of the logo of orgID with the given digest.
func (s *LogoStore) Logo(ctx context.Context, orgID, sha256 string) ([]byte, error) {
	var data []byte
	err := s.db.Pool.QueryRow(ctx, `SELECT data FROM organization_logos WHERE org_id = $1 AND sha256 = $2`,
		orgID, sha256).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("logo %s of %s: not stored", sha256, orgID)
	}
	if err != nil {
		return nil, fmt.Errorf("logo %s of %s: %w", sha256, orgID, err)
	}
	return data, nil
}
