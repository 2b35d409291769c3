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
// committed and records the response (command.Claim.Response) with its
// events, so a crash or a client disconnect between commit and answer
// strands nothing: the retry replays the answer. Answers without a commit
// (errors) are recorded by Complete afterwards; a crash before that leaves
// an uncommitted claim that a retry takes over once its lock expires.

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
	return nil, errKeyInUse()
}

// Complete records the response of a claimed key, unless the command's
// transaction recorded it already.
func (s *IdempotencyStore) Complete(ctx context.Context, scope, key string, status int, body []byte) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE idempotency_keys SET status = $3, body = $4
		WHERE scope = $1 AND key = $2 AND status IS NULL`, scope, key, status, body)
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
// request holding claim committed, with the claim's answer; nothing when
// claim is nil. A claim another attempt already committed (it took over
// an expired lock) fails the transaction: the command never commits twice.
func markIdempotencyCommitted(ctx context.Context, tx pgx.Tx, claim *command.Claim) error {
	if claim == nil {
		return nil
	}
	status, body, ok, err := claim.Response(withTx(ctx, tx))
	if err != nil {
		return err
	}
	var st *int
	if ok {
		st = &status
	}
	tag, err := tx.Exec(ctx, `UPDATE idempotency_keys SET committed = true, status = $3, body = $4
		WHERE scope = $1 AND key = $2 AND NOT committed`, claim.Scope, claim.Key, st, body)
	if err != nil {
		return fmt.Errorf("mark idempotency key committed: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return errKeyInUse()
	}
	return nil
}

func errKeyInUse() error {
	return facturo.ParamError(facturo.CodeIdempotencyInUse, "Idempotency-Key",
		"A request with this Idempotency-Key is in progress or its outcome is being recorded; retry shortly.")
}

// txKey carries a command's transaction in a context (withTx).
type txKey struct{}

// withTx returns ctx carrying tx: the reads of this package made with it
// (DB.querier) go through tx, so that what a command's answer shows is what
// the transaction wrote, and answering takes no second connection.
func withTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// querier is the transaction ctx carries (withTx), or else the pool.
func (db *DB) querier(ctx context.Context) Querier {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return db.Pool
}
