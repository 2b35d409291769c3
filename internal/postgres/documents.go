package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/jackc/pgx/v5"
)

// DocumentKind tells the documents projection how to turn one kind of stream
// into its public view.
type DocumentKind struct {
	Name   string // object name: "client", "invoice", ...
	Prefix string // id prefix of its streams: "cli", "inv", ...
	// Fold returns the view of the aggregate after history, and whether it
	// exists (false once deleted).
	Fold func(history []events.Event) (view any, exists bool, err error)
}

// Aggregate is what an aggregate offers the documents projection.
type Aggregate[V any] interface {
	Exists() bool
	View() V
}

// NewDocumentKind adapts an aggregate's fold function.
func NewDocumentKind[A Aggregate[V], V any](name, prefix string, fold func([]events.Event) (A, error)) DocumentKind {
	return DocumentKind{Name: name, Prefix: prefix, Fold: func(h []events.Event) (any, bool, error) {
		a, err := fold(h)
		if err != nil {
			return nil, false, err
		}
		return a.View(), a.Exists(), nil
	}}
}

// DocumentsProjection keeps the current view of every invoicing aggregate in
// the documents table. For each event it folds the stream up to that event,
// so applying it again (redelivery, rebuild) gives the same row.
type DocumentsProjection struct {
	kinds map[string]DocumentKind // by id prefix
}

// NewDocumentsProjection returns the projection for the given kinds.
func NewDocumentsProjection(kinds ...DocumentKind) *DocumentsProjection {
	p := &DocumentsProjection{kinds: map[string]DocumentKind{}}
	for _, k := range kinds {
		p.kinds[k.Prefix] = k
	}
	return p
}

// Name implements projections.Projection.
func (p *DocumentsProjection) Name() string { return "documents" }

// Tables implements projections.Tabled: a rebuild fills a shadow copy of
// these tables and swaps it in.
func (p *DocumentsProjection) Tables() []string { return []string{"documents"} }

// Reset implements projections.Projection.
func (p *DocumentsProjection) Reset(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `TRUNCATE documents`)
	return err
}

// Apply implements projections.Projection.
func (p *DocumentsProjection) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	return p.ApplyBatch(ctx, tx, []events.Event{e})
}

// ApplyBatch implements projections.BatchApplier. A document is the fold of
// its stream, so only the last event of each stream in the batch matters:
// the histories of those streams are read in one query and the documents
// written in one round trip.
func (p *DocumentsProjection) ApplyBatch(ctx context.Context, tx pgx.Tx, batch []events.Event) error {
	latest := map[string]int{} // stream → index in todo
	var todo []events.Event
	for _, e := range batch {
		if _, ok := p.kind(e.StreamID); !ok {
			continue
		}
		if i, ok := latest[e.StreamID]; ok {
			if e.StreamVersion > todo[i].StreamVersion {
				todo[i] = e
			}
			continue
		}
		latest[e.StreamID] = len(todo)
		todo = append(todo, e)
	}
	if len(todo) == 0 {
		return nil
	}
	histories, err := loadStreamsUpTo(ctx, tx, todo)
	if err != nil {
		return err
	}
	var writes pgx.Batch
	for _, e := range todo {
		kind, _ := p.kind(e.StreamID)
		history := histories[e.StreamID]
		if len(history) == 0 || history[len(history)-1].StreamVersion != e.StreamVersion {
			return fmt.Errorf("documents: history of %s up to version %d not found", e.StreamID, e.StreamVersion)
		}
		view, exists, err := kind.Fold(history)
		if err != nil {
			return err
		}
		if !exists {
			writes.Queue(`DELETE FROM documents WHERE kind = $1 AND id = $2`, kind.Name, e.StreamID)
			continue
		}
		data, err := json.Marshal(view)
		if err != nil {
			return fmt.Errorf("encode %s view: %w", kind.Name, err)
		}
		cols := filterColumns(data)
		writes.Queue(`INSERT INTO documents (kind, id, org_id, livemode, status, client_id, series, version, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (kind, id) DO UPDATE SET status = EXCLUDED.status, client_id = EXCLUDED.client_id,
				series = EXCLUDED.series, version = EXCLUDED.version, data = EXCLUDED.data
			WHERE documents.version < EXCLUDED.version`,
			kind.Name, e.StreamID, e.OrgID, e.Livemode, cols.Status, cols.clientID(), cols.Series,
			e.StreamVersion, data, history[0].CreatedAt)
	}
	results := tx.SendBatch(ctx, &writes)
	for _, e := range todo {
		if _, err := results.Exec(); err != nil {
			results.Close()
			return fmt.Errorf("write document %s: %w", e.StreamID, err)
		}
	}
	return results.Close()
}

func (p *DocumentsProjection) kind(streamID string) (DocumentKind, bool) {
	prefix, _, _ := strings.Cut(streamID, "_")
	k, ok := p.kinds[prefix]
	return k, ok
}

// loadStreamsUpTo reads, in one query, the history of each event's stream up
// to that event, upcast.
func loadStreamsUpTo(ctx context.Context, q Querier, upTo []events.Event) (map[string][]events.Event, error) {
	ids := make([]string, len(upTo))
	versions := make([]int64, len(upTo))
	for i, e := range upTo {
		ids[i], versions[i] = e.StreamID, int64(e.StreamVersion)
	}
	rows, err := q.Query(ctx, `SELECT `+eventColumns+` FROM events
		JOIN unnest($1::text[], $2::bigint[]) AS upto(stream_id, version) USING (stream_id)
		WHERE events.stream_version <= upto.version
		ORDER BY stream_id, stream_version`, ids, versions)
	if err != nil {
		return nil, fmt.Errorf("load %d streams: %w", len(upTo), err)
	}
	all, err := collectEvents(rows, events.Upcast)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]events.Event, len(upTo))
	for _, ev := range all {
		out[ev.StreamID] = append(out[ev.StreamID], ev)
	}
	return out, nil
}

// docColumns are the view fields that list filters use.
type docColumns struct {
	Status string          `json:"status"`
	Client json.RawMessage `json:"client"`
	Series string          `json:"series"`
}

func filterColumns(view []byte) docColumns {
	var c docColumns
	_ = json.Unmarshal(view, &c) // views without these fields leave them empty
	return c
}

// clientID reads the client reference, whether an id or an embedded object.
func (c docColumns) clientID() string {
	var s string
	if json.Unmarshal(c.Client, &s) == nil {
		return s
	}
	var obj struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(c.Client, &obj)
	return obj.ID
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

// ListEvents returns one page of a tenant's events, newest first.
func (s *EventStore) ListEvents(ctx context.Context, t facturo.Tenant, typ string, p Page) ([]events.Event, bool, error) {
	sql := `SELECT ` + eventColumns + ` FROM events WHERE org_id = $1 AND livemode = $2`
	args := []any{t.OrgID, t.Livemode}
	if typ != "" {
		args = append(args, typ)
		sql += " AND type = $3"
	}
	return listRows(ctx, s.db, p, sql, args, func(rows pgx.Rows) (events.Event, error) {
		e, err := scanEvent(rows)
		if err != nil {
			return e, err
		}
		return e, s.upcast(&e)
	})
}
