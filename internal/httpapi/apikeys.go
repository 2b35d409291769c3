package httpapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
)

func (s *Server) registerKeyRoutes(r *mux.Router) {
	base := "/v1/organizations/{org}/api_keys"
	s.Handle(r, Route{Method: "POST", Path: base, Auth: AuthUser}, s.createKey)
	s.Handle(r, Route{Method: "GET", Path: base, Auth: AuthUser}, s.listKeys)
	s.Handle(r, Route{Method: "GET", Path: base + "/{id}", Auth: AuthUser}, s.getKey)
	s.registerKeyManagementRoutes(r)
	s.registerActivityRoutes(r)
}

func notFoundOrg(orgID string) error { return facturo.NotFound("organization", orgID) }

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	orgID := mux.Vars(r)["org"]
	var in accounts.KeyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if _, err := s.loadOrganization(r.Context(), orgID); err != nil {
		return err
	}
	livemode, err := accounts.ParseMode(in.Mode)
	if err != nil {
		return err
	}
	kind := auth.KindTest
	if livemode {
		kind = auth.KindLive
	}
	tok, hash, err := s.newSecret(kind)
	if err != nil {
		return err
	}
	keyID := id.New(id.Key)
	now := s.Now()
	all, err := s.Store.Execute(r.Context(), events.Stream{ID: keyID, OrgID: orgID, Livemode: livemode}, meta(r),
		func(ctx context.Context, tx *postgres.Tx, _ []events.Event) ([]events.Draft, error) {
			return accounts.NewOrgKey(orgID, in, tok, hash, now)
		})
	if err != nil {
		return err
	}
	k, err := accounts.FoldAPIKey(all)
	if err != nil {
		return err
	}
	v := k.View()
	v.Secret = tok.String()
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	orgID := mux.Vars(r)["org"]
	if _, err := s.loadOrganization(r.Context(), orgID); err != nil {
		return err
	}
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, more, err := s.Accounts.ListKeys(r.Context(), orgID, p)
	if err != nil {
		return err
	}
	return writeList(w, r, list, more)
}

// loadKey returns a key of an organization the calling user owns.
func (s *Server) loadKey(ctx context.Context, orgID, keyID string) (*accounts.APIKey, error) {
	if _, err := s.loadOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	for _, live := range []bool{true, false} {
		history, err := s.Store.Load(ctx, events.Stream{ID: keyID, OrgID: orgID, Livemode: live})
		if err != nil {
			return nil, err
		}
		if len(history) > 0 {
			return accounts.FoldAPIKey(history)
		}
	}
	return nil, facturo.NotFound("api_key", keyID)
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	k, err := s.loadKey(r.Context(), v["org"], v["id"])
	if err != nil {
		return err
	}
	view := k.View()
	if view.LastUsedAt, err = s.Accounts.KeyLastUsed(r.Context(), k.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}
