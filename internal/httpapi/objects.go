package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// objectRoutes registers the routes of one invoicing object kind under
// /v1/<plural>, with the scopes <plural>:<action>. Every handler is decode
// → command (or query) → encode: get folds the object's stream
// (read-your-writes), list reads the documents projection (it may lag by
// the pipeline delay), create and act run a command of package command.
type objectRoutes[A invoicing.Aggregate[V], V any] struct {
	s    *Server
	r    *mux.Router
	kind invoicing.Kind[A, V]
	// encode is what an answer with an object of the kind holds; nil is
	// its view.
	encode func(r *http.Request, a A) (any, error)
}

func routesOf[A invoicing.Aggregate[V], V any](s *Server, r *mux.Router, k invoicing.Kind[A, V]) objectRoutes[A, V] {
	return objectRoutes[A, V]{s: s, r: r, kind: k}
}

// handle registers method on /v1/<plural><path>.
func (o objectRoutes[A, V]) handle(method, path, action string, fn commandFunc) {
	o.s.HandleCommand(o.r, Route{Method: method, Path: "/v1/" + o.kind.Plural + path, Auth: AuthOrg,
		Scope: o.kind.Scope() + ":" + action}, fn)
}

// read registers GET on /v1/<plural><path>.
func (o objectRoutes[A, V]) read(path string, fn handlerFunc) {
	o.handle("GET", path, "read", reading(fn))
}

// answer writes an object of the kind.
func (o objectRoutes[A, V]) answer(status int) func(http.ResponseWriter, *http.Request, A) error {
	return func(w http.ResponseWriter, r *http.Request, a A) error {
		var body any = a.View()
		if o.encode != nil {
			var err error
			if body, err = o.encode(r, a); err != nil {
				return err
			}
		}
		writeJSON(w, status, body)
		return nil
	}
}

// get registers GET /{id}: the object now.
func (o objectRoutes[A, V]) get() {
	o.read("/{id}", func(w http.ResponseWriter, r *http.Request) error {
		a, err := loadObject(r, o.s.Store, o.kind)
		if err != nil {
			return err
		}
		return o.answer(http.StatusOK)(w, r, a)
	})
}

// getAsOf registers GET /{id}: the object now, or as it was at ?as_of (the
// fold of the events recorded up to that moment; 404 if it did not exist
// yet).
func (o objectRoutes[A, V]) getAsOf() {
	o.read("/{id}", func(w http.ResponseWriter, r *http.Request) error {
		asOf, err := timeParam(r, "as_of")
		if err != nil {
			return err
		}
		if asOf.IsZero() {
			a, err := loadObject(r, o.s.Store, o.kind)
			if err != nil {
				return err
			}
			return o.answer(http.StatusOK)(w, r, a)
		}
		objID := mux.Vars(r)["id"]
		if !o.kind.Has(objID) {
			return facturo.NotFound(o.kind.Name, objID)
		}
		history, err := o.s.Store.LoadAsOf(r.Context(), orgStream(r, objID), asOf)
		if err != nil {
			return err
		}
		a, err := o.kind.FoldExisting(objID, history)
		if err != nil {
			return err
		}
		return o.answer(http.StatusOK)(w, r, a)
	})
}

// loadObject folds the object the path names, of the request's tenant; a
// missing, deleted, foreign or other-kind id is not found.
func loadObject[A invoicing.Aggregate[V], V any](r *http.Request, store *postgres.EventStore, k invoicing.Kind[A, V]) (A, error) {
	objID := mux.Vars(r)["id"]
	if !k.Has(objID) {
		var zero A
		return zero, facturo.NotFound(k.Name, objID)
	}
	history, err := store.Load(r.Context(), orgStream(r, objID))
	if err != nil {
		var zero A
		return zero, err
	}
	return k.FoldExisting(objID, history)
}

// list registers GET: a page of the documents projection, with the list
// filters (status, client, series, created[gte|lte]) when filtered.
func (o objectRoutes[A, V]) list(filtered bool) {
	o.read("", func(w http.ResponseWriter, r *http.Request) error {
		p, err := pageParams(r)
		if err != nil {
			return err
		}
		var f postgres.DocumentFilter
		if filtered {
			if f, err = documentFilter(r); err != nil {
				return err
			}
		}
		docs, more, err := o.s.Documents.List(r.Context(), tenant(r), o.kind.Name, f, p)
		if err != nil {
			return err
		}
		return writeList(w, r, docs, more)
	})
}

// createCommand makes a new object of an organization.
type createCommand[A, In any] func(context.Context, command.Store, facturo.Tenant, command.Meta, In) (A, error)

// objectCommand acts on the object of an organization that the path names.
type objectCommand[A, In any] func(context.Context, command.Store, facturo.Tenant, command.Meta, string, In) (A, error)

// create registers POST: decode In, run cmd, answer 201 with the new object.
func create[A invoicing.Aggregate[V], V, In any](o objectRoutes[A, V], cmd createCommand[A, In]) {
	o.handle("POST", "", "write", runCommand(o.s, true, func(r *http.Request, m command.Meta, in In) (A, error) {
		return cmd(r.Context(), o.s.commands, tenant(r), m, in)
	}, o.answer(http.StatusCreated)))
}

// act registers method on /{id}<path>: decode In (a DELETE has no body),
// run cmd on the object, answer 200 with it after the change.
func act[A invoicing.Aggregate[V], V, In any](o objectRoutes[A, V], method, path, action string, cmd objectCommand[A, In]) {
	o.handle(method, "/{id}"+path, action, runCommand(o.s, method != http.MethodDelete, onPath(o.s, cmd), o.answer(http.StatusOK)))
}

// derive registers POST /{id}<path> for a command that makes a new object
// of kind out from the one the path names (a duplicate, a credit note, a
// receipt's invoice): 201 with the new object.
func derive[A invoicing.Aggregate[V], V any, B invoicing.Aggregate[W], W, In any](o objectRoutes[A, V], path, action string, out objectRoutes[B, W], cmd objectCommand[B, In]) {
	o.handle("POST", "/{id}"+path, action, runCommand(o.s, true, onPath(o.s, cmd), out.answer(http.StatusCreated)))
}

func onPath[A, In any](s *Server, cmd objectCommand[A, In]) func(*http.Request, command.Meta, In) (A, error) {
	return func(r *http.Request, m command.Meta, in In) (A, error) {
		return cmd(r.Context(), s.commands, tenant(r), m, mux.Vars(r)["id"], in)
	}
}

// runCommand is the one shape of a write: decode In (if decodeBody), run
// the command with the request's Meta and idempotency claim, answer its
// result. With a claim the answer is encoded inside the command's
// transaction (claimAnswer) and recorded with its events.
func runCommand[In, Out any](s *Server, decodeBody bool, run func(*http.Request, command.Meta, In) (Out, error), answer func(http.ResponseWriter, *http.Request, Out) error) commandFunc {
	return func(w http.ResponseWriter, r *http.Request, claim *command.Claim) error {
		var in In
		if decodeBody {
			if err := decode(r, &in); err != nil {
				return err
			}
		}
		recorded := claimAnswer(claim, r, answer)
		out, err := run(r, s.commandMeta(r, claim), in)
		if err != nil {
			return err
		}
		if recorded.status != 0 {
			maps.Copy(w.Header(), recorded.header)
			w.WriteHeader(recorded.status)
			_, _ = w.Write(recorded.body.Bytes())
			return nil
		}
		return answer(w, r, out)
	}
}

// claimAnswer sets claim's Answer to encode the command's result with
// answer, into the response it returns (nothing when claim is nil), so
// that the answer is recorded in the command's transaction and the one
// recorded is the one sent.
func claimAnswer[Out any](claim *command.Claim, r *http.Request, answer func(http.ResponseWriter, *http.Request, Out) error) *bufferedResponse {
	buf := &bufferedResponse{header: http.Header{}}
	if claim == nil {
		return buf
	}
	claim.Answer = func(ctx context.Context, result any) (int, []byte, error) {
		out, ok := result.(Out)
		if !ok {
			return 0, nil, fmt.Errorf("idempotent answer: the command's result is %T, the handler answers %T", result, out)
		}
		*buf = bufferedResponse{header: http.Header{}}
		if err := answer(buf, r.WithContext(ctx), out); err != nil {
			return 0, nil, err
		}
		if buf.status == 0 {
			return 0, nil, errors.New("idempotent answer: the handler wrote no answer")
		}
		return buf.status, buf.body.Bytes(), nil
	}
	return buf
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
