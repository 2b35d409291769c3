package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// Series views show the counter's next number: the events record only where
// numbering was set to start, the series_counters row where it is now.
func (s *Server) registerSeriesRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.SeriesKind)
	o.encode = s.seriesView
	create(o, command.CreateSeries)
	o.read("", s.listSeries)
	o.get()
	act(o, "PATCH", "", "write", command.UpdateSeries)
}

func (s *Server) listSeries(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	docs, more, err := s.Documents.List(r.Context(), tenant(r), invoicing.SeriesKind.Name, postgres.DocumentFilter{}, p)
	if err != nil {
		return err
	}
	next, err := postgres.NextNumbers(r.Context(), s.Store.DB(), tenant(r))
	if err != nil {
		return err
	}
	views := make([]invoicing.SeriesView, len(docs))
	for i, d := range docs {
		if err := json.Unmarshal(d, &views[i]); err != nil {
			return fmt.Errorf("series document: %w", err)
		}
		views[i] = withNext(views[i], next)
	}
	return writeList(w, r, views, more)
}

// seriesView is a series with its counter's real next number.
func (s *Server) seriesView(r *http.Request, ser *invoicing.Series) (any, error) {
	next, err := postgres.NextNumbers(r.Context(), s.Store.DB(), tenant(r))
	if err != nil {
		return nil, err
	}
	return withNext(ser.View(), next), nil
}

func withNext(v invoicing.SeriesView, next map[string]int64) invoicing.SeriesView {
	if n, ok := next[v.Code]; ok {
		v.NextNumber = n
	}
	return v
}
