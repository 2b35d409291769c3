package httpapi

import (
	"context"
	"net/http"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerOrganizationRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "POST", Path: "/v1/organizations", Auth: AuthUser}, s.createOrganization)
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations", Auth: AuthUser}, s.listOrganizations)
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations/{id}", Auth: AuthUser}, s.getOrganization)
	s.Handle(r, Route{Method: "PATCH", Path: "/v1/organizations/{id}", Auth: AuthUser}, s.updateOrganization)
	s.Handle(r, Route{Method: "POST", Path: "/v1/organizations/{id}/api_access", Auth: AuthOperator}, s.setOrganizationAccess)
	s.Handle(r, Route{Method: "GET", Path: "/v1/account", Auth: AuthOrg, Scope: "account:read"}, s.getAccount)
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	var in accounts.OrganizationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	orgID := id.New(id.Organization)
	all, err := s.Store.Execute(r.Context(), accountStream(orgID, orgID), meta(r),
		func(ctx context.Context, tx *postgres.Tx, _ []events.Event) ([]events.Draft, error) {
			return accounts.NewOrganization(principal(ctx).UserID, in)
		})
	if err != nil {
		return err
	}
	o, err := accounts.FoldOrganization(all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o.View())
	return nil
}

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	orgs, more, err := s.Accounts.ListOrganizations(r.Context(), principal(r.Context()).UserID, p)
	if err != nil {
		return err
	}
	return writeList(w, r, orgs, more)
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	o, err := s.loadOrganization(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o.View())
	return nil
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	orgID := mux.Vars(r)["id"]
	var patch accounts.OrganizationPatch
	if err := decode(r, &patch); err != nil {
		return err
	}
	all, err := s.Store.Execute(r.Context(), accountStream(orgID, orgID), meta(r),
		func(ctx context.Context, tx *postgres.Tx, history []events.Event) ([]events.Draft, error) {
			o, err := accounts.FoldOrganization(history)
			if err != nil {
				return nil, err
			}
			if err := o.OwnedBy(principal(ctx).UserID, orgID); err != nil {
				return nil, err
			}
			return o.Update(patch)
		})
	if err != nil {
		return err
	}
	o, err := accounts.FoldOrganization(all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o.View())
	return nil
}

// setOrganizationAccess lets the operator disable or enable an
// organization's API access: {"api_disabled": true}.
func (s *Server) setOrganizationAccess(w http.ResponseWriter, r *http.Request) error {
	orgID := mux.Vars(r)["id"]
	var in struct {
		APIDisabled *bool `json:"api_disabled"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.APIDisabled == nil {
		return required("api_disabled", "")
	}
	all, err := s.Store.Execute(r.Context(), accountStream(orgID, orgID), meta(r),
		func(ctx context.Context, tx *postgres.Tx, history []events.Event) ([]events.Draft, error) {
			o, err := accounts.FoldOrganization(history)
			if err != nil {
				return nil, err
			}
			if !o.Exists() {
				return nil, notFoundOrg(orgID)
			}
			return o.SetAPIDisabled(*in.APIDisabled), nil
		})
	if err != nil {
		return err
	}
	o, err := accounts.FoldOrganization(all)
	if err != nil {
		return err
	}
	s.Auth.Cache.InvalidateAll() // this process at once; others through the key-event listener
	writeJSON(w, http.StatusOK, o.View())
	return nil
}

// getAccount describes the organization and mode of the calling key.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	t := tenant(r)
	history, err := s.Store.Load(r.Context(), accountStream(t.OrgID, t.OrgID))
	if err != nil {
		return err
	}
	o, err := accounts.FoldOrganization(history)
	if err != nil {
		return err
	}
	p := principal(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "account", "livemode": t.Livemode, "organization": o.View(),
		"key": map[string]any{"id": p.KeyID, "prefix": p.KeyPrefix, "scopes": p.Scopes.Strings()},
	})
	return nil
}
