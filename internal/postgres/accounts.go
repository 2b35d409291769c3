package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/jackc/pgx/v5"
)

// UserRow is a row of users.
type UserRow struct {
	ID, Email, Name string
	CreatedAt       time.Time
}

// OrganizationRow is a row of organizations.
type OrganizationRow struct {
	ID, OwnerID, Name    string
	APIDisabled          bool
	Data                 any // the public view, stored as JSON
	CreatedAt, UpdatedAt time.Time
}

// KeyRow is a row of api_keys (last_used_at aside: batched usage, not
// events, see AccountStore.TouchKeys).
type KeyRow struct {
	ID, Kind, UserID, OrgID string
	Livemode                bool
	Name, Prefix            string
	Hash                    []byte
	PreviousPrefix          *string
	PreviousHash            []byte
	PreviousExpiresAt       *time.Time
	Scopes, IPAllowlist     []string
	Enabled                 bool
	ExpiresAt, RevokedAt    *time.Time
	CreatedAt, UpdatedAt    time.Time
}

// AccountWriter writes users, organizations and api_keys for the accounts
// projection, in the caller's transaction.
type AccountWriter struct{}

// InsertUser adds a user; applying the same user again changes nothing.
// Another user with the same email fails with already_exists.
func (AccountWriter) InsertUser(ctx context.Context, tx pgx.Tx, u UserRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, u.ID, u.Email, u.Name, u.CreatedAt)
	if isUniqueViolation(err, "users_email_key") {
		return facturo.ParamError(facturo.CodeAlreadyExists, "email", "A user with this email already exists.")
	}
	return err
}

// UpsertOrganization writes an organization's row.
func (AccountWriter) UpsertOrganization(ctx context.Context, tx pgx.Tx, o OrganizationRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO organizations (id, owner_id, name, api_disabled, data, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, api_disabled = EXCLUDED.api_disabled,
			data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
		o.ID, o.OwnerID, o.Name, o.APIDisabled, o.Data, o.CreatedAt, o.UpdatedAt)
	return err
}

// UpsertKey writes a key's row, keeping its last use.
func (AccountWriter) UpsertKey(ctx context.Context, tx pgx.Tx, k KeyRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_keys (id, kind, user_id, org_id, livemode, name, prefix, hash,
			previous_prefix, previous_hash, previous_expires_at, scopes, ip_allowlist, enabled,
			expires_at, revoked_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, prefix = EXCLUDED.prefix, hash = EXCLUDED.hash,
			previous_prefix = EXCLUDED.previous_prefix, previous_hash = EXCLUDED.previous_hash,
			previous_expires_at = EXCLUDED.previous_expires_at, scopes = EXCLUDED.scopes,
			ip_allowlist = EXCLUDED.ip_allowlist, enabled = EXCLUDED.enabled,
			expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at, updated_at = EXCLUDED.updated_at`,
		k.ID, k.Kind, k.UserID, k.OrgID, k.Livemode, k.Name, k.Prefix, k.Hash, k.PreviousPrefix, k.PreviousHash,
		k.PreviousExpiresAt, k.Scopes, k.IPAllowlist, k.Enabled, k.ExpiresAt, k.RevokedAt, k.CreatedAt, k.UpdatedAt)
	return err
}

// ClearForRebuild empties users, organizations and api_keys for an
// in-place rebuild, after locking them against writers (see
// lockForRebuild). The keys' last use, which is batched usage rather than
// events, is set aside in a temporary table for RestoreKeyUse.
func (AccountWriter) ClearForRebuild(ctx context.Context, tx pgx.Tx) error {
	if err := lockForRebuild(ctx, tx, "users, organizations, api_keys"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE rebuild_key_use ON COMMIT DROP AS
		SELECT id, last_used_at FROM api_keys WHERE last_used_at IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("set aside key use: %w", err)
	}
	// Not TRUNCATE: its exclusive lock would stop authentication until the
	// rebuild commits.
	for _, t := range []string{"api_keys", "organizations", "users"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t); err != nil {
			return fmt.Errorf("empty %s: %w", t, err)
		}
	}
	return nil
}

// RestoreKeyUse puts back the last use ClearForRebuild set aside.
func (AccountWriter) RestoreKeyUse(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE api_keys k SET last_used_at = u.last_used_at
		FROM rebuild_key_use u WHERE k.id = u.id`)
	if err != nil {
		return fmt.Errorf("restore key use: %w", err)
	}
	return nil
}

// lockForRebuild takes the tables of an inline projection for a rebuild:
// writers (the transactions appending its events) wait until the rebuild
// commits, readers never do. Those that wrote before have committed once
// the lock is held, so the rebuild sees their events.
func lockForRebuild(ctx context.Context, tx pgx.Tx, tables string) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE `+tables+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock %s: %w", tables, err)
	}
	return nil
}

// AccountStore answers the queries on the accounts read models.
type AccountStore struct{ db *DB }

// NewAccountStore returns a store on db.
func NewAccountStore(db *DB) *AccountStore { return &AccountStore{db: db} }

// KeyRecord is what authentication needs of a key.
type KeyRecord struct {
	ID                string
	Kind              string
	UserID            string
	OrgID             string
	Livemode          bool
	Hash              []byte // the hash matching the looked-up prefix
	Previous          bool   // Hash is the previous secret's, valid until PreviousExpiresAt
	PreviousExpiresAt *time.Time
	Scopes            []string
	IPAllowlist       []string
	Enabled           bool
	ExpiresAt         *time.Time
	RevokedAt         *time.Time
	OrgAPIDisabled    bool
}

// KeysByPrefix returns the keys whose current or previous secret has the
// given display prefix (normally one).
func (s *AccountStore) KeysByPrefix(ctx context.Context, prefix string) ([]KeyRecord, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT k.id, k.kind, k.user_id, k.org_id, k.livemode,
			CASE WHEN k.prefix = $1 THEN k.hash ELSE k.previous_hash END,
			k.prefix <> $1, k.previous_expires_at, k.scopes, k.ip_allowlist, k.enabled, k.expires_at,
			k.revoked_at, COALESCE(o.api_disabled, false)
		FROM api_keys k LEFT JOIN organizations o ON o.id = k.org_id
		WHERE k.prefix = $1 OR k.previous_prefix = $1`, prefix)
	if err != nil {
		return nil, fmt.Errorf("keys by prefix: %w", err)
	}
	defer rows.Close()
	var out []KeyRecord
	for rows.Next() {
		var k KeyRecord
		if err := rows.Scan(&k.ID, &k.Kind, &k.UserID, &k.OrgID, &k.Livemode, &k.Hash, &k.Previous,
			&k.PreviousExpiresAt, &k.Scopes, &k.IPAllowlist, &k.Enabled, &k.ExpiresAt, &k.RevokedAt,
			&k.OrgAPIDisabled); err != nil {
			return nil, fmt.Errorf("scan key: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// ListOrganizations lists a user's organizations, newest first.
func (s *AccountStore) ListOrganizations(ctx context.Context, userID string, p Page) ([]accounts.OrganizationView, bool, error) {
	return listJSON[accounts.OrganizationView](ctx, s.db, p,
		`SELECT data FROM organizations WHERE owner_id = $1`, userID)
}

// ListKeys lists an organization's keys (both modes), newest first. The
// caller has checked the organization belongs to the user.
func (s *AccountStore) ListKeys(ctx context.Context, orgID string, p Page) ([]accounts.KeyView, bool, error) {
	page, more, err := listRows(ctx, s.db, p, `SELECT id, livemode, name, prefix, scopes, ip_allowlist, enabled,
			created_at, last_used_at, expires_at, revoked_at FROM api_keys WHERE org_id = $1 AND kind = 'org'`,
		[]any{orgID}, func(row pgx.Rows) (accounts.KeyView, error) {
			v := accounts.KeyView{Object: "api_key"}
			err := row.Scan(&v.ID, &v.Livemode, &v.Name, &v.Prefix, &v.Scopes, &v.IPAllowlist, &v.Enabled,
				&v.CreatedAt, &v.LastUsedAt, &v.ExpiresAt, &v.RevokedAt)
			// A row written before a scope was retired may still hold it.
			v.Scopes = auth.StoredScopes(v.Scopes).Strings()
			return v, err
		})
	return page, more, err
}

// UserKeys lists a user's secret keys, newest first, with their last use.
func (s *AccountStore) UserKeys(ctx context.Context, userID string) ([]accounts.KeyView, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, livemode, name, prefix, scopes, ip_allowlist, enabled,
			created_at, last_used_at, expires_at, revoked_at FROM api_keys WHERE user_id = $1 AND kind = 'user'
		ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("user keys: %w", err)
	}
	defer rows.Close()
	out := []accounts.KeyView{}
	for rows.Next() {
		v := accounts.KeyView{Object: "api_key"}
		if err := rows.Scan(&v.ID, &v.Livemode, &v.Name, &v.Prefix, &v.Scopes, &v.IPAllowlist, &v.Enabled,
			&v.CreatedAt, &v.LastUsedAt, &v.ExpiresAt, &v.RevokedAt); err != nil {
			return nil, fmt.Errorf("scan user key: %w", err)
		}
		v.Scopes = auth.StoredScopes(v.Scopes).Strings()
		out = append(out, v)
	}
	return out, rows.Err()
}

// KeyLastUsed returns when a key was last used, if ever.
func (s *AccountStore) KeyLastUsed(ctx context.Context, keyID string) (*time.Time, error) {
	var t *time.Time
	err := s.db.querier(ctx).QueryRow(ctx, `SELECT last_used_at FROM api_keys WHERE id = $1`, keyID).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return t, err
}

// TouchKeys records last use of keys in one statement (batched by the
// caller, so that authentication never writes on every request).
func (s *AccountStore) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	ids := make([]string, 0, len(used))
	times := make([]time.Time, 0, len(used))
	for id, t := range used {
		ids = append(ids, id)
		times = append(times, t)
	}
	_, err := s.db.Pool.Exec(ctx, `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.t)
		FROM unnest($1::text[], $2::timestamptz[]) AS u(id, t) WHERE k.id = u.id`, ids, times)
	if err != nil {
		return fmt.Errorf("touch keys: %w", err)
	}
	return nil
}
