package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// Aggregate is what the CRUD routes need of an event-sourced resource.
type Aggregate[V any] interface {
	Exists() bool
	View() V
}

// Resource describes a plain create/read/update/delete resource of an
// organization. Single reads fold the stream (read-your-writes); lists read
// the documents projection (they may lag by the pipeline delay).
type Resource[A Aggregate[V], V, In, Patch any] struct {
	Object string // "client"
	Plural string // "clients": path segment and scope resource
	Prefix string // id prefix
	Fold   func([]events.Event) (A, error)
	Create func(In) ([]events.Draft, error)
	Update func(A, Patch) ([]events.Draft, error)
	Delete func(A) ([]events.Draft, error)
}

// RegisterCRUD adds the five routes of a resource.
func RegisterCRUD[A Aggregate[V], V, In, Patch any](s *Server, r *mux.Router, res Resource[A, V, In, Patch]) {
	base := "/v1/" + res.Plural
	scope := func(action string) string { return res.Plural + ":" + action }
	s.Handle(r, Route{Method: "POST", Path: base, Auth: AuthOrg, Scope: scope("write")}, res.create(s))
	s.Handle(r, Route{Method: "GET", Path: base, Auth: AuthOrg, Scope: scope("read")}, res.list(s))
	s.Handle(r, Route{Method: "GET", Path: base + "/{id}", Auth: AuthOrg, Scope: scope("read")}, res.get(s))
	s.Handle(r, Route{Method: "PATCH", Path: base + "/{id}", Auth: AuthOrg, Scope: scope("write")}, res.update(s))
	s.Handle(r, Route{Method: "DELETE", Path: base + "/{id}", Auth: AuthOrg, Scope: scope("delete")}, res.remove(s))
}

func (res Resource[A, V, In, Patch]) create(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decode(r, &in); err != nil {
			return err
		}
		drafts, err := res.Create(in)
		if err != nil {
			return err
		}
		all, err := s.Store.Execute(r.Context(), orgStream(r, id.New(res.Prefix)), meta(r),
			func(context.Context, *postgres.Tx, []events.Event) ([]events.Draft, error) { return drafts, nil })
		if err != nil {
			return err
		}
		return res.answer(w, http.StatusCreated, all)
	}
}

func (res Resource[A, V, In, Patch]) get(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := LoadAggregate(r, s.Store, res.Object, mux.Vars(r)["id"], res.Fold)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.View())
		return nil
	}
}

func (res Resource[A, V, In, Patch]) list(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageParams(r)
		if err != nil {
			return err
		}
		docs, more, err := s.Documents.List(r.Context(), tenant(r), res.Object, postgres.DocumentFilter{}, p)
		if err != nil {
			return err
		}
		return writeList(w, r, docs, more)
	}
}

func (res Resource[A, V, In, Patch]) update(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var patch Patch
		if err := decode(r, &patch); err != nil {
			return err
		}
		return res.change(s, w, r, func(a A) ([]events.Draft, error) { return res.Update(a, patch) })
	}
}

func (res Resource[A, V, In, Patch]) remove(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return res.change(s, w, r, res.Delete)
	}
}

// change runs a decision on an existing aggregate and answers its new view.
func (res Resource[A, V, In, Patch]) change(s *Server, w http.ResponseWriter, r *http.Request, decide func(A) ([]events.Draft, error)) error {
	objID := mux.Vars(r)["id"]
	all, err := s.Store.Execute(r.Context(), orgStream(r, objID), meta(r),
		func(_ context.Context, _ *postgres.Tx, history []events.Event) ([]events.Draft, error) {
			a, err := FoldExisting(history, res.Object, objID, res.Fold)
			if err != nil {
				return nil, err
			}
			return decide(a)
		})
	if err != nil {
		return err
	}
	return res.answer(w, http.StatusOK, all)
}

func (res Resource[A, V, In, Patch]) answer(w http.ResponseWriter, status int, all []events.Event) error {
	a, err := res.Fold(all)
	if err != nil {
		return err
	}
	writeJSON(w, status, a.View())
	return nil
}

// LoadAggregate folds a stream of the request's tenant; a missing, deleted
// or foreign object is not found.
func LoadAggregate[A Aggregate[V], V any](r *http.Request, store *postgres.EventStore, object, objID string, fold func([]events.Event) (A, error)) (A, error) {
	history, err := store.Load(r.Context(), orgStream(r, objID))
	if err != nil {
		var zero A
		return zero, err
	}
	return FoldExisting(history, object, objID, fold)
}

// FoldExisting folds history and fails with not found unless the aggregate
// exists.
//
// Event types are named "<object>.<verb>", so a stream that did not start
// with one of this object's events is some other kind of object (a product
// id on /v1/clients/{id}): not found, never folded.
func FoldExisting[A Aggregate[V], V any](history []events.Event, object, objID string, fold func([]events.Event) (A, error)) (A, error) {
	if len(history) > 0 && !strings.HasPrefix(history[0].Type, object+".") {
		var zero A
		return zero, facturo.NotFound(object, objID)
	}
	a, err := fold(history)
	if err != nil {
		return a, err
	}
	if !a.Exists() {
		return a, facturo.NotFound(object, objID)
	}
	return a, nil
}
