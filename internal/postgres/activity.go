package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/oklog/ulid/v2"

	"github.com/facturo/facturo/internal/auth"
)

// Audit actions that are not event types.
const AuditAuthFailed = "auth.failed"

// AuditIDPrefix starts every audit entry id.
const AuditIDPrefix = "aud_"

// AuditRow is an audit_log entry written for an event.
type AuditRow struct {
	ID         string
	OrgID      string
	Livemode   bool
	Action     string
	OccurredAt time.Time
	KeyID      string
	KeyPrefix  string
	Actor      string
	RequestID  string
	EventID    string
	IP         string
}

// AuditWriter writes audit_log entries for the audit projection, in the
// caller's transaction.
type AuditWriter struct{}

// Insert adds an entry; one for the same event changes nothing.
func (AuditWriter) Insert(ctx context.Context, tx pgx.Tx, a AuditRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (id, org_id, livemode, action, occurred_at, key_id,
			key_prefix, actor, request_id, event_id, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event_id) DO NOTHING`,
		a.ID, a.OrgID, a.Livemode, a.Action, a.OccurredAt, a.KeyID, a.KeyPrefix, a.Actor, a.RequestID, a.EventID, a.IP)
	if err != nil {
		return fmt.Errorf("audit %s: %w", a.EventID, err)
	}
	return nil
}

// ClearForRebuild deletes the entries written for events, after locking
// audit_log against writers (see lockForRebuild). Authentication failures
// are not events and stay.
func (AuditWriter) ClearForRebuild(ctx context.Context, tx pgx.Tx) error {
	if err := lockForRebuild(ctx, tx, "audit_log"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE event_id IS NOT NULL`)
	return err
}

// ActivityStore keeps per-key request activity and authentication
// failures. Writes come in batches from the API processes.
type ActivityStore struct{ db *DB }

// NewActivityStore returns a store on db.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

// RecordUses inserts uses and trims every key it touched to its keep most
// recent entries, in one transaction. If PostgreSQL refuses the batch, the
// rows are inserted one by one and only the refused ones are left out
// (auth.RejectedRowsError): one bad row never loses the others.
func (s *ActivityStore) RecordUses(ctx context.Context, uses []auth.KeyUse, keep int) error {
	if len(uses) == 0 {
		return nil
	}
	var rejected *auth.RejectedRowsError
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		if rejected, err = insertRows(ctx, tx, uses, insertUses); err != nil {
			return fmt.Errorf("record key activity: %w", err)
		}
		keys := make([]string, len(uses))
		for i, u := range uses {
			keys[i] = u.KeyID
		}
		_, err = tx.Exec(ctx, `DELETE FROM key_activity a USING (
				SELECT u.key_id, (SELECT id FROM key_activity WHERE key_id = u.key_id
					ORDER BY id DESC OFFSET $2 LIMIT 1) AS cutoff
				FROM (SELECT DISTINCT unnest($1::text[]) AS key_id) u) c
			WHERE a.key_id = c.key_id AND a.id <= c.cutoff`, keys, keep)
		if err != nil {
			return fmt.Errorf("trim key activity: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rejected != nil {
		return rejected
	}
	return nil
}

func insertUses(ctx context.Context, tx pgx.Tx, uses []auth.KeyUse) error {
	n := len(uses)
	ids, ats, ips, methods, paths, statuses :=
		make([]string, n), make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]int32, n)
	for i, u := range uses {
		ids[i], ats[i], ips[i], methods[i], paths[i], statuses[i] = u.KeyID, u.At, u.IP, u.Method, u.Path, int32(u.Status)
	}
	_, err := tx.Exec(ctx, `INSERT INTO key_activity (key_id, at, ip, method, path, status)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[])
		ORDER BY 2`, ids, ats, ips, methods, paths, statuses)
	return err
}

// insertRows inserts rows with one statement under a savepoint. If
// PostgreSQL refuses it (a *pgconn.PgError: the server answered, so the
// connection is fine and some row is at fault), it inserts them one by one,
// each under its own savepoint, and leaves out the ones refused, which it
// reports. Any other error (a lost connection, a cancelled context) is
// returned as is and the caller's transaction fails whole.
func insertRows[T any](ctx context.Context, tx pgx.Tx, rows []T,
	insert func(context.Context, pgx.Tx, []T) error) (*auth.RejectedRowsError, error) {
	err := savepoint(ctx, tx, func(sp pgx.Tx) error { return insert(ctx, sp, rows) })
	if _, refused := errors.AsType[*pgconn.PgError](err); !refused {
		return nil, err
	}
	var rejected *auth.RejectedRowsError
	for i := range rows {
		err := savepoint(ctx, tx, func(sp pgx.Tx) error { return insert(ctx, sp, rows[i:i+1]) })
		if _, refused := errors.AsType[*pgconn.PgError](err); refused {
			if rejected == nil {
				rejected = &auth.RejectedRowsError{Err: err}
			}
			rejected.Rows++
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	return rejected, nil
}

// savepoint runs fn in a savepoint of tx, rolled back if fn fails.
func savepoint(ctx context.Context, tx pgx.Tx, fn func(pgx.Tx) error) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(sp); err != nil {
		_ = sp.Rollback(ctx)
		return err
	}
	return sp.Commit(ctx)
}

// RecordFailures inserts authentication failures into the audit log. The
// organization is looked up from the token prefix: a guessed prefix of a
// real key shows in that organization's log, an unknown one in none. Like
// RecordUses, a refused batch is retried row by row and only the refused
// rows are left out (auth.RejectedRowsError).
func (s *ActivityStore) RecordFailures(ctx context.Context, fails []auth.AuthFailure) error {
	if len(fails) == 0 {
		return nil
	}
	rows := make([]auditFailure, len(fails))
	for i, f := range fails {
		rows[i] = auditFailure{f, AuditIDPrefix + ulid.MustNew(ulid.Timestamp(f.At), ulid.DefaultEntropy()).String()}
	}
	var rejected *auth.RejectedRowsError
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		var err error
		rejected, err = insertRows(ctx, tx, rows, insertFailures)
		return err
	})
	if err != nil {
		return fmt.Errorf("record auth failures: %w", err)
	}
	if rejected != nil {
		return rejected
	}
	return nil
}

// auditFailure is an authentication failure with its audit entry id.
type auditFailure struct {
	auth.AuthFailure
	id string
}

func insertFailures(ctx context.Context, tx pgx.Tx, fails []auditFailure) error {
	n := len(fails)
	ids, ats, ips, prefixes, codes, rids :=
		make([]string, n), make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, f := range fails {
		ids[i], ats[i], ips[i], prefixes[i], codes[i], rids[i] = f.id, f.At, f.IP, f.Prefix, f.Code, f.RequestID
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (id, org_id, livemode, action, occurred_at, ip,
			reason, key_id, key_prefix, request_id)
		SELECT u.id, COALESCE(k.org_id, ''), k.livemode, $7, u.at, u.ip, u.code, COALESCE(k.id, ''), u.prefix, u.rid
		FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[])
			AS u(id, at, ip, prefix, code, rid)
		LEFT JOIN LATERAL (SELECT id, org_id, livemode FROM api_keys
			WHERE u.prefix <> '' AND (prefix = u.prefix OR previous_prefix = u.prefix) LIMIT 1) k ON true
		ON CONFLICT (id) DO NOTHING`, ids, ats, ips, prefixes, codes, rids, AuditAuthFailed)
	return err
}

// TrimAudit deletes audit entries older than before.
func (s *ActivityStore) TrimAudit(ctx context.Context, before time.Time) error {
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM audit_log WHERE occurred_at < $1`, before); err != nil {
		return fmt.Errorf("trim audit log: %w", err)
	}
	return nil
}

// KeyActivity returns the most recent uses of an organization's key,
// newest first.
func (s *ActivityStore) KeyActivity(ctx context.Context, orgID, keyID string, limit int) ([]auth.KeyUse, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT a.at, a.ip, a.method, a.path, a.status
		FROM key_activity a JOIN api_keys k ON k.id = a.key_id
		WHERE k.org_id = $1 AND a.key_id = $2 ORDER BY a.id DESC LIMIT $3`, orgID, keyID, limit)
	if err != nil {
		return nil, fmt.Errorf("key activity: %w", err)
	}
	defer rows.Close()
	out := []auth.KeyUse{}
	for rows.Next() {
		u := auth.KeyUse{KeyID: keyID}
		if err := rows.Scan(&u.At, &u.IP, &u.Method, &u.Path, &u.Status); err != nil {
			return nil, fmt.Errorf("scan key activity: %w", err)
		}
		u.At = u.At.UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// AuditEntry is the public JSON of an audit log entry.
type AuditEntry struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	Action    string    `json:"action"`
	CreatedAt time.Time `json:"created_at"`
	Livemode  *bool     `json:"livemode"`
	IP        string    `json:"ip,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	KeyPrefix string    `json:"key_prefix,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	EventID   string    `json:"event_id,omitempty"`
}

// AuditLog lists an organization's audit log, newest first.
func (s *ActivityStore) AuditLog(ctx context.Context, orgID string, p Page) ([]AuditEntry, bool, error) {
	return listRows(ctx, s.db, p, `SELECT id, action, occurred_at, livemode, ip, reason, key_id, key_prefix,
			actor, request_id, COALESCE(event_id, '') FROM audit_log WHERE org_id = $1`,
		[]any{orgID}, func(row pgx.Rows) (AuditEntry, error) {
			e := AuditEntry{Object: "audit_entry"}
			err := row.Scan(&e.ID, &e.Action, &e.CreatedAt, &e.Livemode, &e.IP, &e.Reason, &e.KeyID,
				&e.KeyPrefix, &e.Actor, &e.RequestID, &e.EventID)
			e.CreatedAt = e.CreatedAt.UTC()
			return e, err
		})
}
