package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// registerInvoicingRoutes adds series, invoices, receipts, retentions and
// the history of every invoicing object.
func (s *Server) registerInvoicingRoutes(r *mux.Router) {
	s.registerSeriesRoutes(r)
	s.registerInvoiceRoutes(r)
	s.registerReceiptRoutes(r)
	s.registerRetentionRoutes(r)
	s.registerHistoryRoutes(r)
}

// kind names one event-sourced object type: what its ids start with and
// how its stream folds.
type kind[A Aggregate[V], V any] struct {
	object string // "invoice"
	prefix string // "inv"
	fold   func([]events.Event) (A, error)
}

var (
	seriesKind    = kind[*invoicing.Series, invoicing.SeriesView]{"series", id.Series, invoicing.FoldSeries}
	invoiceKind   = kind[*invoicing.Invoice, invoicing.InvoiceView]{"invoice", id.Invoice, invoicing.FoldInvoice}
	receiptKind   = kind[*invoicing.Receipt, invoicing.ReceiptView]{"receipt", id.Receipt, invoicing.FoldReceipt}
	retentionKind = kind[*invoicing.Retention, invoicing.RetentionView]{"retention", id.Retention, invoicing.FoldRetention}
)

// pathID is the {id} of the request if it has the kind's prefix. An id of
// another kind is not found like any unknown id (folding a client's stream
// as an invoice would be an internal error).
func (k kind[A, V]) pathID(r *http.Request) (string, error) {
	objID := mux.Vars(r)["id"]
	if !id.Has(objID, k.prefix) {
		return "", facturo.NotFound(k.object, objID)
	}
	return objID, nil
}

// load folds an existing object of the request's tenant outside a command.
func (k kind[A, V]) load(r *http.Request, store *postgres.EventStore) (A, error) {
	objID, err := k.pathID(r)
	if err != nil {
		var zero A
		return zero, err
	}
	return LoadAggregate(r, store, k.object, objID, k.fold)
}

// loadIn folds an existing object of the request's tenant inside a command's
// transaction and returns its history, whose length is the version to
// append at. param names the request field that gave objID, for not found.
func (k kind[A, V]) loadIn(ctx context.Context, tx *postgres.Tx, r *http.Request, objID, param string) (A, []events.Event, error) {
	var zero A
	if !id.Has(objID, k.prefix) {
		return zero, nil, notFoundParam(k.object, objID, param)
	}
	history, err := tx.Load(ctx, orgStream(r, objID))
	if err != nil {
		return zero, nil, err
	}
	a, err := FoldExisting(history, k.object, objID, k.fold)
	if err != nil && facturo.IsCode(err, facturo.CodeNotFound) {
		return zero, nil, notFoundParam(k.object, objID, param)
	}
	return a, history, err
}

func notFoundParam(object, objID, param string) error {
	e := facturo.NotFound(object, objID)
	e.Param = param
	return e
}

// act runs decide on the object the path names, in one transaction that
// appends what it decides at the version it read, and returns the object
// after the change. A decision that fails appends nothing.
func (k kind[A, V]) act(s *Server, r *http.Request, decide func(ctx context.Context, tx *postgres.Tx, a A) ([]events.Draft, error)) (A, error) {
	var zero A
	objID, err := k.pathID(r)
	if err != nil {
		return zero, err
	}
	all, err := s.Store.Execute(r.Context(), orgStream(r, objID), meta(r),
		func(ctx context.Context, tx *postgres.Tx, history []events.Event) ([]events.Draft, error) {
			a, err := FoldExisting(history, k.object, objID, k.fold)
			if err != nil {
				return nil, err
			}
			return decide(ctx, tx, a)
		})
	if err != nil {
		return zero, err
	}
	return k.fold(all)
}

// actHandler is act answered with the object's view.
func (k kind[A, V]) actHandler(s *Server, decide func(ctx context.Context, tx *postgres.Tx, r *http.Request, a A) ([]events.Draft, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := k.act(s, r, func(ctx context.Context, tx *postgres.Tx, a A) ([]events.Draft, error) {
			return decide(ctx, tx, r, a)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.View())
		return nil
	}
}

// get answers the current view of one object.
func (k kind[A, V]) get(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := k.load(r, s.Store)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.View())
		return nil
	}
}

// list answers a page of the documents projection with the list filters.
func (k kind[A, V]) list(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageParams(r)
		if err != nil {
			return err
		}
		f, err := documentFilter(r)
		if err != nil {
			return err
		}
		docs, more, err := s.Documents.List(r.Context(), tenant(r), k.object, f, p)
		if err != nil {
			return err
		}
		return writeList(w, r, docs, more)
	}
}

// create appends the drafts to a new stream of the kind, inside tx, and
// returns its events.
func (k kind[A, V]) create(ctx context.Context, tx *postgres.Tx, r *http.Request, drafts []events.Draft) ([]events.Event, error) {
	return tx.Append(ctx, orgStream(r, id.New(k.prefix)), 0, drafts...)
}

// answer folds a new object's events and writes its view.
func (k kind[A, V]) answer(w http.ResponseWriter, status int, evs []events.Event) error {
	a, err := k.fold(evs)
	if err != nil {
		return err
	}
	writeJSON(w, status, a.View())
	return nil
}

// createHandler decodes In, decides inside one transaction and answers 201
// with the new object.
func createHandler[A Aggregate[V], V, In any](s *Server, k kind[A, V], decide func(ctx context.Context, tx *postgres.Tx, r *http.Request, in In) ([]events.Draft, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decode(r, &in); err != nil {
			return err
		}
		var created []events.Event
		_, err := s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
			drafts, err := decide(r.Context(), tx, r, in)
			if err != nil {
				return err
			}
			created, err = k.create(r.Context(), tx, r, drafts)
			return err
		})
		if err != nil {
			return err
		}
		return k.answer(w, http.StatusCreated, created)
	}
}

// documentFilter reads the list filters status, client, series,
// created[gte] and created[lte].
func documentFilter(r *http.Request) (postgres.DocumentFilter, error) {
	q := r.URL.Query()
	f := postgres.DocumentFilter{Status: q.Get("status"), ClientID: q.Get("client"), Series: q.Get("series")}
	var err error
	if f.CreatedGTE, err = timeParam(r, "created[gte]"); err != nil {
		return f, err
	}
	f.CreatedLTE, err = timeParam(r, "created[lte]")
	return f, err
}

// loadClient folds the caller's client named clientID inside tx; nil when
// clientID is empty. A client of another tenant, or any unknown id, folds
// as absent and the decision answers resource_missing on param client.
func loadClient(ctx context.Context, tx *postgres.Tx, r *http.Request, clientID string) (*invoicing.Client, error) {
	if clientID == "" || !id.Has(clientID, id.Client) {
		return nil, nil
	}
	history, err := tx.Load(ctx, orgStream(r, clientID))
	if err != nil {
		return nil, err
	}
	return invoicing.FoldClient(history)
}

// loadProducts folds the caller's products that items name, inside tx.
// Ids of other tenants or kinds are left out, so the decision answers
// resource_missing on the item's product.
func loadProducts(ctx context.Context, tx *postgres.Tx, r *http.Request, items []invoicing.ItemInput) (map[string]*invoicing.Product, error) {
	out := map[string]*invoicing.Product{}
	for _, pid := range invoicing.ProductIDs(items) {
		if !id.Has(pid, id.Product) {
			continue
		}
		history, err := tx.Load(ctx, orgStream(r, pid))
		if err != nil {
			return nil, err
		}
		p, err := invoicing.FoldProduct(history)
		if err != nil {
			return nil, fmt.Errorf("product %s: %w", pid, err)
		}
		out[pid] = p
	}
	return out, nil
}

// decodeIDs reads the ids of raw document views.
func decodeIDs(docs []json.RawMessage) ([]string, error) {
	ids := make([]string, len(docs))
	for i, d := range docs {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(d, &v); err != nil {
			return nil, fmt.Errorf("document id: %w", err)
		}
		ids[i] = v.ID
	}
	return ids, nil
}
