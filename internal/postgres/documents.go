package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/jackc/pgx/v5"
)

// Document is one row of the documents read model: the public view of an
// invoicing aggregate and the columns lists filter on.
type Document struct {
	Kind      string // object name: "client", "invoice", ...
	ID        string // the aggregate's stream id
	OrgID     string
	Livemode  bool
	Status    string
	ClientID  string
	Series    string
	Version   int // stream version the view is of
	Data      []byte
	CreatedAt time.Time
	// Exists is false for an aggregate that no longer exists: its row is
	// deleted (only Kind and ID matter then).
	Exists bool
}

// DocumentWriter writes the documents table for the documents projection.
// It uses the unqualified table name, so a rebuild's search_path points it
// at the shadow copy.
type DocumentWriter struct{}

// Truncate empties the documents table.
func (DocumentWriter) Truncate(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `TRUNCATE documents`)
	return err
}

// Write upserts or deletes docs in one round trip. An upsert never goes
// back to an older version of a document.
func (DocumentWriter) Write(ctx context.Context, tx pgx.Tx, docs []Document) error {
	var writes pgx.Batch
	for _, d := range docs {
		if !d.Exists {
			writes.Queue(`DELETE FROM documents WHERE kind = $1 AND id = $2`, d.Kind, d.ID)
			continue
		}
		writes.Queue(`INSERT INTO documents (kind, id, org_id, livemode, status, client_id, series, version, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (kind, id) DO UPDATE SET status = EXCLUDED.status, client_id = EXCLUDED.client_id,
				series = EXCLUDED.series, version = EXCLUDED.version, data = EXCLUDED.data
			WHERE documents.version < EXCLUDED.version`,
			d.Kind, d.ID, d.OrgID, d.Livemode, d.Status, d.ClientID, d.Series, d.Version, d.Data, d.CreatedAt)
	}
	results := tx.SendBatch(ctx, &writes)
	for _, d := range docs {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("write document %s: %w", d.ID, err)
		}
	}
	return results.Close()
}

// DocumentFilter narrows a document list.
type DocumentFilter struct {
	Status     string
	ClientID   string
	Series     string
	CreatedGTE time.Time
	CreatedLTE time.Time
}

// DocumentStore reads the documents read model.
type DocumentStore struct{ db *DB }

// NewDocumentStore returns a store on db.
func NewDocumentStore(db *DB) *DocumentStore { return &DocumentStore{db: db} }

// List returns one page of a tenant's documents of one kind, newest first.
func (s *DocumentStore) List(ctx context.Context, t facturo.Tenant, kind string, f DocumentFilter, p Page) ([]json.RawMessage, bool, error) {
	sql := `SELECT data FROM documents WHERE org_id = $1 AND livemode = $2 AND kind = $3`
	args := []any{t.OrgID, t.Livemode, kind}
	add := func(cond string, v any) {
		args = append(args, v)
		sql += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.ClientID != "" {
		add("client_id = $%d", f.ClientID)
	}
	if f.Series != "" {
		add("series = $%d", f.Series)
	}
	if !f.CreatedGTE.IsZero() {
		add("created_at >= $%d", f.CreatedGTE)
	}
	if !f.CreatedLTE.IsZero() {
		add("created_at <= $%d", f.CreatedLTE)
	}
	return listJSON[json.RawMessage](ctx, s.db, p, sql, args...)
}

// EventFilter narrows a list of events; a zero field does not filter.
type EventFilter struct {
	Type       string
	Resource   string // the id of the object the events are about (their stream)
	CreatedGTE time.Time
	CreatedLTE time.Time
}

// ListEvents returns one page of a tenant's events, newest first.
func (s *EventStore) ListEvents(ctx context.Context, t facturo.Tenant, f EventFilter, p Page) ([]events.Event, bool, error) {
	sql := `SELECT ` + eventColumns + ` FROM events WHERE org_id = $1 AND livemode = $2`
	args := []any{t.OrgID, t.Livemode}
	add := func(cond string, v any) {
		args = append(args, v)
		sql += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Type != "" {
		add("type = $%d", f.Type)
	}
	if f.Resource != "" {
		add("stream_id = $%d", f.Resource)
	}
	if !f.CreatedGTE.IsZero() {
		add("created_at >= $%d", f.CreatedGTE)
	}
	if !f.CreatedLTE.IsZero() {
		add("created_at <= $%d", f.CreatedLTE)
	}
	return listRows(ctx, s.db, p, sql, args, func(rows pgx.Rows) (events.Event, error) {
		e, err := scanEvent(rows)
		if err != nil {
			return e, err
		}
		return e, s.upcast(&e)
	})
}
