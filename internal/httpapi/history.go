package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

// registerHistoryRoutes adds GET /v1/{resource}/{id}/history: every event
// of one object, oldest first, in the public event shape. Only an
// event-sourced store can answer it; a deleted object keeps its history.
func (s *Server) registerHistoryRoutes(r *mux.Router) {
	for _, o := range invoicing.Objects {
		s.Handle(r, Route{Method: "GET", Path: "/v1/" + o.Plural + "/{id}/history", Auth: AuthOrg, Scope: o.Scope + ":read"},
			s.history(o.Name, o.Prefix))
	}
}

func (s *Server) history(object, prefix string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		objID := mux.Vars(r)["id"]
		if !id.Has(objID, prefix) {
			return facturo.NotFound(object, objID)
		}
		list, err := s.Store.Load(r.Context(), orgStream(r, objID))
		if err != nil {
			return err
		}
		// Unknown, another tenant's, or (never stored since the event store
		// checks kinds) a stream of another kind of object.
		if len(list) == 0 || !strings.HasPrefix(list[0].Type, object+".") {
			return facturo.NotFound(object, objID)
		}
		bodies := make([]json.RawMessage, len(list))
		for i := range list {
			if bodies[i], err = events.Body(list[:i+1]); err != nil {
				return err
			}
		}
		return writeList(w, r, bodies, false)
	}
}
