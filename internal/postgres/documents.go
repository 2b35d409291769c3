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
	q := where{sql: `SELECT data FROM documents WHERE org_id = $1 AND livemode = $2 AND kind = $3`, args: []any{t.OrgID, t.Livemode, kind}}
	q.equal("status", f.Status)
	q.equal("client_id", f.ClientID)
	q.equal("series", f.Series)
	q.created(f.CreatedGTE, f.CreatedLTE)
	return listJSON[json.RawMessage](ctx, s.db, p, q.sql, q.args...)
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
	q := where{sql: `SELECT ` + eventColumns + ` FROM events WHERE org_id = $1 AND livemode = $2`, args: []any{t.OrgID, t.Livemode}}
	q.equal("type", f.Type)
	q.equal("stream_id", f.Resource)
	q.created(f.CreatedGTE, f.CreatedLTE)
	return listRows(ctx, s.db, p, q.sql, q.args, func(rows pgx.Rows) (events.Event, error) {
		e, err := scanEvent(rows)
		if err != nil {
			return e, err
		}
		return e, s.upcast(&e)
	})
}

// where is a list query growing by the filters that are set.
type where struct {
	sql  string
	args []any
}

// and adds "AND cond" with v as its next argument ($%d in cond).
func (q *where) and(cond string, v any) {
	q.args = append(q.args, v)
	q.sql += fmt.Sprintf(" AND "+cond, len(q.args))
}

// equal filters column = v unless v is empty.
func (q *where) equal(column, v string) {
	if v != "" {
		q.and(column+" = $%d", v)
	}
}

// created filters created_at to [gte, lte], each bound only when set.
func (q *where) created(gte, lte time.Time) {
	if !gte.IsZero() {
		q.and("created_at >= $%d", gte)
	}
	if !lte.IsZero() {
		q.and("created_at <= $%d", lte)
	}
}
