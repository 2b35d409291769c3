package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/facturo/facturo/events"
)

func (s *Dashboard) eventRoutes() {
	base := Prefix + "/organizations/{org}/{mode}"
	s.mux.HandleFunc("GET "+base+"/events", s.inOrg("events", s.events))
	s.mux.HandleFunc("GET "+base+"/events/{event}", s.inOrg("events", s.event))
}

type eventsData struct {
	Events list[events.Event]
	Type   string // the type filter, "" for all
	Types  []events.TypeInfo
}

// events lists o's events of its mode, newest first, filtered by type and
// paginated like GET /v1/events (the same store query).
func (s *Dashboard) events(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	typ := r.URL.Query().Get("type")
	list, more, err := s.Store.ListEvents(r.Context(), o.tenant, typ, p)
	if err != nil {
		return err
	}
	page := pager(list, more, p, func(e events.Event) string { return e.ID })
	page.Type = typ
	s.render(w, r, http.StatusOK, "events", o.page(ss, "Events", eventsData{Events: page, Type: typ, Types: events.Types()}))
	return nil
}

type eventData struct {
	Event events.Event
	JSON  string // the public JSON, as GET /v1/events/{id} answers it
}

// event shows one event's public JSON: the bytes the events API answers
// and a webhook delivers (events.Body over its stream up to it).
func (s *Dashboard) event(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	e, err := s.Store.EventByID(r.Context(), o.tenant, r.PathValue("event"))
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
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "event", o.page(ss, "Event "+e.ID, eventData{Event: e, JSON: pretty.String()}))
	return nil
}
