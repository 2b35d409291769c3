package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerEventRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/events", Auth: AuthOrg, Scope: "events:read"}, s.listEvents)
	// Before /v1/events/{id}, which would take "stream" for an id.
	s.Handle(r, Route{Method: "GET", Path: "/v1/events/stream", Auth: AuthOrg, Scope: "events:read"}, s.streamEvents)
	s.Handle(r, Route{Method: "GET", Path: "/v1/events/{id}", Auth: AuthOrg, Scope: "events:read"}, s.getEvent)
}

// EventView is the public JSON of an event (the OpenAPI component Event);
// webhooks deliver the same bytes.
type EventView = events.EventView

// The events API renders each event on read, with events.Render, from the
// event's stream up to its version: the same function of the same stored
// events as the body the webhook fan-out stores with each delivery, so the
// two are the same bytes (the API writes the encoded body as is), and an
// event is readable here as soon as it is committed, before any fan-out.

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	f, err := eventFilter(r)
	if err != nil {
		return err
	}
	list, more, err := s.Store.ListEvents(r.Context(), tenant(r), f, p)
	if err != nil {
		return err
	}
	histories, err := s.Store.LoadEachUpTo(r.Context(), list)
	if err != nil {
		return err
	}
	bodies := make([]json.RawMessage, len(list))
	for i, h := range histories {
		if bodies[i], err = events.Body(h); err != nil {
			return err
		}
	}
	return writeList(w, r, bodies, more)
}

// eventFilter reads the filters of GET /v1/events: type, resource,
// created[gte] and created[lte].
func eventFilter(r *http.Request) (postgres.EventFilter, error) {
	q := r.URL.Query()
	f := postgres.EventFilter{Type: q.Get("type"), Resource: q.Get("resource")}
	var err error
	if f.CreatedGTE, err = timeParam(r, "created[gte]"); err != nil {
		return f, err
	}
	f.CreatedLTE, err = timeParam(r, "created[lte]")
	return f, err
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Store.EventByID(r.Context(), tenant(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	history, err := s.Store.LoadUpTo(r.Context(), e)
	if err != nil {
		return err
	}
	body, err := events.Body(history)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, json.RawMessage(body))
	return nil
}
