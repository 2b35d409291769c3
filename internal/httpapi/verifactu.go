package httpapi

import (
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/gorilla/mux"
)

func (s *Server) registerVerifactuRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/verifactu/records", Auth: AuthOrg, Scope: "verifactu:read"}, s.listBillingRecords)
}

// verifactuQuery are the parameters of GET /v1/verifactu/records: the
// chain is read in its own order, oldest first, so its cursor is the last
// record of the page before.
var verifactuQuery = []qDoc{
	{name: "from", desc: "Only records generated at or after (RFC 3339; unix seconds are accepted too).", kind: qTime},
	{name: "to", desc: "Only records generated before (RFC 3339; unix seconds are accepted too).", kind: qTime},
	pagingParams[0], // limit, as every list's
	{name: "starting_after", desc: "Cursor: the id of the last record of the previous page; the page goes on along the chain."},
}

// listBillingRecords answers a page of the tenant's VeriFactu chain, in
// chain order, with each record's fingerprint and its previous one.
func (s *Server) listBillingRecords(w http.ResponseWriter, r *http.Request) error {
	cq, err := chainQuery(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if after := q.Get("starting_after"); after != "" {
		prev, err := postgres.BillingRecord(r.Context(), s.Store.DB().Pool, tenant(r), after)
		if facturo.IsCode(err, facturo.CodeNotFound) {
			return facturo.ParamError(facturo.CodeParameterInvalid, "starting_after",
				"starting_after must be the id of a record of this chain; %s is not.", after)
		}
		if err != nil {
			return err
		}
		cq.AfterSequence = prev.Sequence
	}
	list, more, err := postgres.BillingRecords(r.Context(), s.Store.DB().Pool, tenant(r), cq)
	if err != nil {
		return err
	}
	views := make([]verifactu.RecordView, len(list))
	for i, rec := range list {
		views[i] = rec.View()
	}
	return writeList(w, r, views, more)
}

// chainQuery reads the period and the page size (as every list's,
// pageParams) of GET /v1/verifactu/records.
func chainQuery(r *http.Request) (postgres.ChainQuery, error) {
	p, err := pageParams(r)
	if err != nil {
		return postgres.ChainQuery{}, err
	}
	cq := postgres.ChainQuery{Limit: p.Limit}
	if cq.From, err = timeParam(r, "from"); err != nil {
		return cq, err
	}
	if cq.To, err = timeParam(r, "to"); err != nil {
		return cq, err
	}
	if !cq.From.IsZero() && !cq.To.IsZero() && !cq.From.Before(cq.To) {
		return cq, facturo.ParamError(facturo.CodeParameterInvalid, "to", "to must be after from.")
	}
	return cq, nil
}
