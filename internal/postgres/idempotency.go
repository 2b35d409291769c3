package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/jackc/pgx/v5"
)

// Idempotency keys. A POST with an Idempotency-Key first claims the key
// (scope, key) with a lock; the command's own transaction marks the claim
// committed; the HTTP layer then records the response. A retry replays the
// recorded response. A crash between commit and recording leaves a committed
// claim without a response: the retry gets idempotency_key_in_use rather
// than running the command twice.

// IdempotencyTTL is how long keys are kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyStore keeps Idempotency-Key records.
type IdempotencyStore struct{ db *DB }

// NewIdempotencyStore returns a store on db.
func NewIdempotencyStore(db *DB) *IdempotencyStore { return &IdempotencyStore{db: db} }

// Recorded is a response recorded for a key.
type Recorded struct {
	Status int
	Body   []byte
}

// Claim takes the key for one request. It returns the recorded response if
// the key was used before with the same request hash.
func (s *IdempotencyStore) Claim(ctx context.Context, scope, key, hash string, lock time.Duration) (*Recorded, error) {
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, locked_until)
		VALUES ($1, $2, $3, now() + $4::interval)
		ON CONFLICT (scope, key) DO UPDATE
		   SET request_hash = EXCLUDED.request_hash, locked_until = EXCLUDED.locked_until,
		       status = NULL, body = NULL, committed = false, created_at = now()
		 WHERE idempotency_keys.created_at < now() - $5::interval`,
		scope, key, hash, lock.String(), IdempotencyTTL.String())
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var (
		storedHash string
		status     *int
		body       []byte
		committed  bool
		lockedOut  bool
	)
	err = s.db.Pool.QueryRow(ctx, `SELECT request_hash, status, body, committed, locked_until < now()
		FROM idempotency_keys WHERE scope = $1 AND key = $2`, scope, key).
		Scan(&storedHash, &status, &body, &committed, &lockedOut)
	if errors.Is(err, pgx.ErrNoRows) { // expired and swept meanwhile: try once more
		return s.Claim(ctx, scope, key, hash, lock)
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	switch {
	case storedHash != hash:
		return nil, facturo.ParamError(facturo.CodeIdempotencyReused, "Idempotency-Key",
			"This Idempotency-Key was already used with a different request body or path.")
	case status != nil:
		return &Recorded{Status: *status, Body: body}, nil
	case !committed && lockedOut:
		// The first attempt died before committing anything: take it over.
		tag, err := s.db.Pool.Exec(ctx, `UPDATE idempotency_keys SET locked_until = now() + $3::interval
			WHERE scope = $1 AND key = $2 AND status IS NULL AND NOT committed AND locked_until < now()`,
			scope, key, lock.String())
		if err != nil {
			return nil, fmt.Errorf("take over idempotency key: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return nil, nil
		}
	}
	return nil, facturo.ParamError(facturo.CodeIdempotencyInUse, "Idempotency-Key",
		"A request with this Idempotency-Key is in progress or its outcome is being recorded; retry shortly.")
}

// Complete records the response of a claimed key.
func (s *IdempotencyStore) Complete(ctx context.Context, scope, key string, status int, body []byte) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE idempotency_keys SET status = $3, body = $4
		WHERE scope = $1 AND key = $2`, scope, key, status, body)
	if err != nil {
		return fmt.Errorf("record idempotent response: %w", err)
	}
	return nil
}

// Release forgets a claim whose request changed nothing (a server error
// before commit), so that the client may retry with the same key.
func (s *IdempotencyStore) Release(ctx context.Context, scope, key string) error {
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM idempotency_keys
		WHERE scope = $1 AND key = $2 AND status IS NULL AND NOT committed`, scope, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// Sweep deletes keys older than the TTL.
func (s *IdempotencyStore) Sweep(ctx context.Context) (int64, error) {
	tag, err := s.db.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval`,
		IdempotencyTTL.String())
	if err != nil {
		return 0, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

// markIdempotencyCommitted records, in the command's transaction, that the
// request holding claim committed; nothing when claim is nil.
func markIdempotencyCommitted(ctx context.Context, tx pgx.Tx, claim *command.Claim) error {
	if claim == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET committed = true
		WHERE scope = $1 AND key = $2`, claim.Scope, claim.Key); err != nil {
		return fmt.Errorf("mark idempotency key committed: %w", err)
	}
	return nil
}
