package httpapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
)

func (s *Server) registerKeyRoutes(r *mux.Router) {
	base := "/v1/organizations/{org}/api_keys"
	s.HandleCommand(r, Route{Method: "POST", Path: base, Auth: AuthUser}, runCommand(s, true, s.createKey, s.answerNewKey(http.StatusCreated, false)))
	s.Handle(r, Route{Method: "GET", Path: base, Auth: AuthUser}, s.listKeys)
	s.Handle(r, Route{Method: "GET", Path: base + "/{id}", Auth: AuthUser}, s.getKey)
	s.registerKeyManagementRoutes(r)
	s.registerActivityRoutes(r)
}

func (s *Server) createKey(r *http.Request, m command.Meta, in accounts.KeyInput) (command.NewKey, error) {
	return command.CreateKey(r.Context(), s.commands, s.newSecret, principal(r.Context()).UserID, m, mux.Vars(r)["org"], in)
}

// answerNewKey writes a key with its new secret, shown only here, and
// with its last use if lastUse (a new key has none).
func (s *Server) answerNewKey(status int, lastUse bool) func(http.ResponseWriter, *http.Request, command.NewKey) error {
	return func(w http.ResponseWriter, r *http.Request, k command.NewKey) error {
		v := k.Key.View()
		if lastUse {
			var err error
			if v, err = s.keyView(r.Context(), k.Key); err != nil {
				return err
			}
		}
		v.Secret = k.Secret.String()
		writeJSON(w, status, v)
		return nil
	}
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
	return command.OwnedKey(ctx, s.commands, principal(ctx).UserID, orgID, keyID)
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
