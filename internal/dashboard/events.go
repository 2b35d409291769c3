package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
)

func (s *Dashboard) eventRoutes() {
	base := Prefix + "/organizations/{org}/{mode}"
	s.mux.HandleFunc("GET "+base+"/events", s.inOrg("events", s.events))
	s.mux.HandleFunc("GET "+base+"/events/{event}", s.inOrg("events", s.event))
}

type eventsData struct {
	Events list[events.Event]
	Filter eventFilter
	Types  []events.TypeInfo
}

// eventFilter is the events form as filled in: From and To are UTC times
// as a datetime-local input gives them ("2006-01-02T15:04").
type eventFilter struct{ Type, Resource, From, To string }

// store is the filter as the events API's: the same query.
func (f eventFilter) store() (postgres.EventFilter, error) {
	out := postgres.EventFilter{Type: f.Type, Resource: strings.TrimSpace(f.Resource)}
	var err error
	out.CreatedGTE, out.CreatedLTE, err = formRange(f.From, f.To)
	return out, err
}

// events lists o's events of its mode, newest first, filtered and
// paginated like GET /v1/events (the same store query).
func (s *Dashboard) events(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	form := eventFilter{Type: q.Get("type"), Resource: q.Get("resource"), From: q.Get("from"), To: q.Get("to")}
	f, err := form.store()
	if err != nil {
		return err
	}
	list, more, err := s.Store.ListEvents(r.Context(), o.tenant, f, p)
	if err != nil {
		return err
	}
	page := pager(list, more, p, func(e events.Event) string { return e.ID })
	page.keep(q)
	s.render(w, r, http.StatusOK, "events", o.page(ss, "Events", eventsData{Events: page, Filter: form, Types: events.Types()}))
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

// formRange reads the from and to fields of a filter (UTC; zero when
// empty). A "to" that names a minute (a datetime-local value) ends with
// it, so that "to 09:30" includes 09:30:59.
func formRange(from, to string) (gte, lte time.Time, err error) {
	if gte, err = formInstant("from", from); err != nil {
		return gte, lte, err
	}
	if lte, err = formInstant("to", to); err != nil {
		return gte, lte, err
	}
	if len(strings.TrimSpace(to)) == len("2006-01-02T15:04") {
		lte = lte.Add(time.Minute - time.Nanosecond)
	}
	return gte, lte, nil
}
