package httpapi

import (
	"context"
	"net/http"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerRetentionRoutes(r *mux.Router) {
	const base = "/v1/retentions"
	k := retentionKind
	route := func(method, path, scope string, fn handlerFunc) {
		s.Handle(r, Route{Method: method, Path: base + path, Auth: AuthOrg, Scope: "retentions:" + scope}, fn)
	}
	route("POST", "", "write", createHandler(s, k, func(ctx context.Context, tx *postgres.Tx, r *http.Request, in invoicing.RetentionInput) ([]events.Draft, error) {
		client, err := loadClient(ctx, tx, r, in.Client)
		if err != nil {
			return nil, err
		}
		return invoicing.NewRetention(in, client)
	}))
	route("GET", "", "read", k.list(s))
	route("GET", "/{id}", "read", k.get(s))
	route("POST", "/{id}/issue", "write", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, rt *invoicing.Retention) ([]events.Draft, error) {
		if err := decode(r, &struct{}{}); err != nil {
			return nil, err
		}
		return rt.Issue(s.Now())
	}))
	route("POST", "/{id}/cancel", "write", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, rt *invoicing.Retention) ([]events.Draft, error) {
		if err := decode(r, &struct{}{}); err != nil {
			return nil, err
		}
		return rt.Cancel(s.Now())
	}))
}
