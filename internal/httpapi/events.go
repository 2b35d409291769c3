package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/gorilla/mux"
)

func (s *Server) registerEventRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/events", Auth: AuthOrg, Scope: "events:read"}, s.listEvents)
	s.Handle(r, Route{Method: "GET", Path: "/v1/events/{id}", Auth: AuthOrg, Scope: "events:read"}, s.getEvent)
}

// EventView is the public JSON of an event; webhooks deliver the same shape.
type EventView struct {
	ID            string          `json:"id"`
	Object        string          `json:"object"`
	Type          string          `json:"type"`
	Livemode      bool            `json:"livemode"`
	Organization  string          `json:"organization"`
	CreatedAt     time.Time       `json:"created_at"`
	SchemaVersion int             `json:"schema_version"`
	Resource      string          `json:"resource"`
	Data          json.RawMessage `json:"data"`
	Request       *eventRequest   `json:"request"`
}

type eventRequest struct {
	ID    string `json:"id"`
	KeyID string `json:"key_id,omitempty"`
}

// ViewEvent renders an event for callers: private fields stripped.
func ViewEvent(e events.Event) EventView {
	v := EventView{ID: e.ID, Object: "event", Type: e.Type, Livemode: e.Livemode, Organization: e.OrgID,
		CreatedAt: e.CreatedAt, SchemaVersion: e.SchemaVersion, Resource: e.StreamID, Data: events.PublicData(e)}
	if e.Metadata.RequestID != "" {
		v.Request = &eventRequest{ID: e.Metadata.RequestID, KeyID: e.Metadata.KeyID}
	}
	return v
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, more, err := s.Store.ListEvents(r.Context(), tenant(r), r.URL.Query().Get("type"), p)
	if err != nil {
		return err
	}
	views := make([]EventView, len(list))
	for i, e := range list {
		views[i] = ViewEvent(e)
	}
	return writeList(w, r, views, more)
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Store.EventByID(r.Context(), tenant(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ViewEvent(e))
	return nil
}
