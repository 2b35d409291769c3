package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
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

// Documents keeps the current view of every invoicing aggregate in the
// documents table. For each event it folds the stream up to that event, so
// applying it again (redelivery, rebuild) gives the same row.
type Documents struct {
	kinds map[string]DocumentKind // by id prefix
	table postgres.DocumentWriter
}

// NewDocuments returns the documents projection for the given kinds.
func NewDocuments(kinds ...DocumentKind) *Documents {
	p := &Documents{kinds: map[string]DocumentKind{}}
	for _, k := range kinds {
		p.kinds[k.Prefix] = k
	}
	return p
}

// Name implements Projection.
func (p *Documents) Name() string { return "documents" }

// Tables implements Tabled: a rebuild fills a shadow copy of these tables
// and swaps it in.
func (p *Documents) Tables() []string { return []string{"documents"} }

// Reset implements Projection.
func (p *Documents) Reset(ctx context.Context, tx pgx.Tx) error {
	return p.table.Truncate(ctx, tx)
}

// Apply implements Projection.
func (p *Documents) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	return p.ApplyBatch(ctx, tx, []events.Event{e})
}

// ApplyBatch implements BatchApplier. A document is the fold of its stream,
// so only the last event of each stream in the batch matters. A stream
// whose whole history up to that event is in the batch (a new object: its
// first events) is folded from the batch; the histories of the others are
// read in one query. The documents are written in one round trip.
func (p *Documents) ApplyBatch(ctx context.Context, tx pgx.Tx, batch []events.Event) error {
	todo := p.latestPerStream(batch)
	if len(todo) == 0 {
		return nil
	}
	histories := wholeHistories(batch)
	var load []events.Event
	for _, e := range todo {
		if h := histories[e.StreamID]; len(h) != e.StreamVersion {
			load = append(load, e)
		}
	}
	if len(load) > 0 {
		loaded, err := postgres.LoadStreamsUpTo(ctx, tx, load)
		if err != nil {
			return err
		}
		maps.Copy(histories, loaded)
	}
	docs := make([]postgres.Document, 0, len(todo))
	for _, e := range todo {
		d, err := p.document(e, histories[e.StreamID])
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	return p.table.Write(ctx, tx, docs)
}

// CopyFolds implements StreamFolded: the documents of whole streams,
// written with one COPY.
func (p *Documents) CopyFolds(ctx context.Context, tx pgx.Tx, histories [][]events.Event) error {
	docs := make([]postgres.Document, 0, len(histories))
	for _, h := range histories {
		if len(h) == 0 {
			continue
		}
		last := h[len(h)-1]
		if _, ok := p.kind(last.StreamID); !ok {
			continue
		}
		d, err := p.document(last, h)
		if err != nil {
			return err
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil
	}
	return p.table.Copy(ctx, tx, docs)
}

// latestPerStream returns, in order of first appearance, the last event of
// each stream of a kind this projection keeps.
func (p *Documents) latestPerStream(batch []events.Event) []events.Event {
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
	return todo
}

// wholeHistories returns, by stream, the events of batch that make up the
// stream's whole history so far: versions 1, 2, ... n, each once, in
// order. A stream whose events in batch do not start at version 1 or skip
// one is left out.
func wholeHistories(batch []events.Event) map[string][]events.Event {
	out := map[string][]events.Event{}
	broken := map[string]bool{}
	for _, e := range batch {
		if broken[e.StreamID] {
			continue
		}
		if h := out[e.StreamID]; e.StreamVersion == len(h)+1 {
			out[e.StreamID] = append(h, e)
			continue
		}
		broken[e.StreamID] = true
		delete(out, e.StreamID)
	}
	return out
}

// document is the row of e's aggregate, given its history up to e.
func (p *Documents) document(e events.Event, history []events.Event) (postgres.Document, error) {
	kind, _ := p.kind(e.StreamID)
	d := postgres.Document{Kind: kind.Name, ID: e.StreamID}
	if len(history) == 0 || history[len(history)-1].StreamVersion != e.StreamVersion {
		return d, fmt.Errorf("documents: history of %s up to version %d not found", e.StreamID, e.StreamVersion)
	}
	view, exists, err := kind.Fold(history)
	if err != nil || !exists {
		return d, err
	}
	data, err := json.Marshal(view)
	if err != nil {
		return d, fmt.Errorf("encode %s view: %w", kind.Name, err)
	}
	cols := filterColumns(data)
	d.OrgID, d.Livemode, d.Status, d.ClientID, d.Series = e.OrgID, e.Livemode, cols.Status, cols.clientID(), cols.Series
	d.Version, d.Data, d.CreatedAt, d.Exists = e.StreamVersion, data, history[0].CreatedAt, true
	return d, nil
}

func (p *Documents) kind(streamID string) (DocumentKind, bool) {
	prefix, _, _ := strings.Cut(streamID, "_")
	k, ok := p.kinds[prefix]
	return k, ok
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
