package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/gorilla/mux"
)

func (s *Server) registerOrganizationRoutes(r *mux.Router) {
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/organizations", Auth: AuthUser},
		runCommand(s, true, s.createOrganization, answer[*accounts.Organization](http.StatusCreated)))
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations", Auth: AuthUser}, s.listOrganizations)
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations/{id}", Auth: AuthUser}, s.getOrganization)
	s.HandleCommand(r, Route{Method: "PATCH", Path: "/v1/organizations/{id}", Auth: AuthUser},
		runCommand(s, true, s.updateOrganization, answer[*accounts.Organization](http.StatusOK)))
	s.HandleCommand(r, Route{Method: "PUT", Path: "/v1/organizations/{id}/logo", Auth: AuthUser},
		runCommand(s, false, s.setOrganizationLogo, answer[*accounts.Organization](http.StatusOK)))
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/organizations/{id}/api_access", Auth: AuthOperator},
		runCommand(s, true, s.setOrganizationAccess, answer[*accounts.Organization](http.StatusOK)))
	s.Handle(r, Route{Method: "GET", Path: "/v1/account", Auth: AuthOrg, Scope: "account:read"}, s.getAccount)
}

// answer writes the view of what a command returns.
func answer[A interface{ View() V }, V any](status int) func(http.ResponseWriter, *http.Request, A) error {
	return func(w http.ResponseWriter, _ *http.Request, a A) error {
		writeJSON(w, status, a.View())
		return nil
	}
}

func (s *Server) createOrganization(r *http.Request, m command.Meta, in accounts.OrganizationInput) (*accounts.Organization, error) {
	return command.CreateOrganization(r.Context(), s.commands, principal(r.Context()).UserID, m, in)
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

func (s *Server) updateOrganization(r *http.Request, m command.Meta, p accounts.OrganizationPatch) (*accounts.Organization, error) {
	return command.UpdateOrganization(r.Context(), s.commands, principal(r.Context()).UserID, m, mux.Vars(r)["id"], p)
}

// setOrganizationLogo takes the raw bytes of a PNG or JPEG (whatever the
// Content-Type says: the bytes decide) as the organization's logo.
func (s *Server) setOrganizationLogo(r *http.Request, m command.Meta, _ command.None) (*accounts.Organization, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, accounts.MaxLogoBytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, facturo.Errorf(facturo.CodeBodyTooLarge, "A logo may have at most %d bytes (512 KB); this one has more.", accounts.MaxLogoBytes)
	}
	if err != nil {
		return nil, facturo.Errorf(facturo.CodeInvalidRequest, "The request body could not be read.")
	}
	return command.SetOrganizationLogo(r.Context(), s.commands, principal(r.Context()).UserID, m, mux.Vars(r)["id"], data)
}

type accessInput struct {
	APIDisabled *bool `json:"api_disabled" facturo:"required"`
}

// setOrganizationAccess lets the operator disable or enable an
// organization's API access: {"api_disabled": true}.
func (s *Server) setOrganizationAccess(r *http.Request, m command.Meta, in accessInput) (*accounts.Organization, error) {
	if in.APIDisabled == nil {
		return nil, required("api_disabled", "")
	}
	o, err := command.SetOrganizationAccess(r.Context(), s.commands, m, mux.Vars(r)["id"], *in.APIDisabled)
	if err != nil {
		return nil, err
	}
	s.Auth.Cache.InvalidateAll() // this process at once; others through the key-event listener
	return o, nil
}

// getAccount describes the organization and mode of the calling key.
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	t := tenant(r)
	o, err := s.cachedOrganization(r.Context(), t.OrgID)
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

// cachedOrganization returns the organization from the cache, or folds its
// stream and caches it (unless one of its events committed meanwhile).
func (s *Server) cachedOrganization(ctx context.Context, orgID string) (*accounts.Organization, error) {
	if o, ok := s.orgs.Get(orgID); ok {
		return o, nil
	}
	epoch := s.orgs.Epoch()
	history, err := s.Store.Load(ctx, accountStream(orgID, orgID))
	if err != nil {
		return nil, err
	}
	o, err := accounts.FoldOrganization(history)
	if err != nil {
		return nil, err
	}
	if o.Exists() {
		s.orgs.Put(epoch, o)
	}
	return o, nil
}
