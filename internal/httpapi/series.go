package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// Series views show the counter's next number: the events record only where
// numbering was set to start, the series_counters row where it is now.
func (s *Server) registerSeriesRoutes(r *mux.Router) {
	const base = "/v1/series"
	s.Handle(r, Route{Method: "POST", Path: base, Auth: AuthOrg, Scope: "series:write"}, s.createSeries)
	s.Handle(r, Route{Method: "GET", Path: base, Auth: AuthOrg, Scope: "series:read"}, s.listSeries)
	s.Handle(r, Route{Method: "GET", Path: base + "/{id}", Auth: AuthOrg, Scope: "series:read"}, s.getSeries)
	s.Handle(r, Route{Method: "PATCH", Path: base + "/{id}", Auth: AuthOrg, Scope: "series:write"}, s.updateSeries)
}

// createSeries claims the code in the counters table (resource_exists if
// taken) and seeds its counter with next_number, with series.created, in
// one transaction.
func (s *Server) createSeries(w http.ResponseWriter, r *http.Request) error {
	var in invoicing.SeriesInput
	if err := decode(r, &in); err != nil {
		return err
	}
	drafts, err := invoicing.NewSeries(in)
	if err != nil {
		return err
	}
	norm, ok := drafts[0].Data.(invoicing.SeriesInput)
	if !ok {
		return fmt.Errorf("series.created data is %T", drafts[0].Data)
	}
	sid := id.New(id.Series)
	var created []events.Event
	_, err = s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
		if err := postgres.ClaimSeries(r.Context(), tx, tenant(r), norm.Code, sid, norm.NextNumber); err != nil {
			return err
		}
		created, err = tx.Append(r.Context(), orgStream(r, sid), 0, drafts...)
		return err
	})
	if err != nil {
		return err
	}
	return seriesKind.answer(w, http.StatusCreated, created)
}

func (s *Server) getSeries(w http.ResponseWriter, r *http.Request) error {
	ser, err := seriesKind.load(r, s.Store)
	if err != nil {
		return err
	}
	return s.answerSeries(w, r, http.StatusOK, ser)
}

func (s *Server) listSeries(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	docs, more, err := s.Documents.List(r.Context(), tenant(r), seriesKind.object, postgres.DocumentFilter{}, p)
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

// answerSeries writes a series with its counter's real next number.
func (s *Server) answerSeries(w http.ResponseWriter, r *http.Request, status int, ser *invoicing.Series) error {
	next, err := postgres.NextNumbers(r.Context(), s.Store.DB(), tenant(r))
	if err != nil {
		return err
	}
	writeJSON(w, status, withNext(ser.View(), next))
	return nil
}

func withNext(v invoicing.SeriesView, next map[string]int64) invoicing.SeriesView {
	if n, ok := next[v.Code]; ok {
		v.NextNumber = n
	}
	return v
}

// updateSeries changes the prefix or moves the counter. The counter row is
// locked first and its next number is what the patch compares with, so a
// next_number at or below a number already issued is refused.
func (s *Server) updateSeries(w http.ResponseWriter, r *http.Request) error {
	var p invoicing.SeriesPatch
	if err := decode(r, &p); err != nil {
		return err
	}
	ser, err := seriesKind.act(s, r, func(ctx context.Context, tx *postgres.Tx, ser *invoicing.Series) ([]events.Draft, error) {
		c, err := postgres.LockCounter(ctx, tx, tenant(r), ser.Code)
		if err != nil {
			return nil, err
		}
		ser.NextNumber = c.NextNumber
		drafts, err := ser.Update(p)
		if err != nil || len(drafts) == 0 || p.NextNumber == nil {
			return drafts, err
		}
		return drafts, postgres.MoveSeries(ctx, tx, tenant(r), ser.Code, *p.NextNumber)
	})
	if err != nil {
		return err
	}
	return s.answerSeries(w, r, http.StatusOK, ser)
}
