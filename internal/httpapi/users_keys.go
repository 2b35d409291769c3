package httpapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
)

// registerUserKeyRoutes adds the lifecycle of a user's secret key: the
// user rotates or revokes the key it calls with; the operator reads a user
// and rotates or revokes its key. Like organization keys, each change drops
// the key from this process's cache at once and from every other
// process's through the key events (internal/auth/authnats).
func (s *Server) registerUserKeyRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/users/{id}", Auth: AuthOperator}, s.getUser)
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/users/{id}/secret_key/rotate", Auth: AuthOperator},
		runCommand(s, true, s.rotateUserKey, s.answerNewKey(http.StatusOK, true)))
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/users/{id}/secret_key/revoke", Auth: AuthOperator},
		runCommand(s, true, s.revokeUserKey, s.answerKey))
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/user/secret_key/rotate", Auth: AuthUser},
		runCommand(s, true, s.rotateUserKey, s.answerNewKey(http.StatusOK, true)))
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/user/secret_key/revoke", Auth: AuthUser},
		runCommand(s, true, s.revokeUserKey, s.answerKey))
}

// userDetail is a user with its secret key, as the operator sees it.
type userDetail struct {
	accounts.UserView
	APIKey accounts.KeyView `json:"api_key"`
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	userID := mux.Vars(r)["id"]
	u, err := command.User(r.Context(), s.commands, userID)
	if err != nil {
		return err
	}
	k, err := s.currentUserKey(r.Context(), userID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userDetail{UserView: u.View(), APIKey: k})
	return nil
}

// currentUserKey is a user's secret key: its newest unrevoked one, or its
// newest if all are revoked.
func (s *Server) currentUserKey(ctx context.Context, userID string) (accounts.KeyView, error) {
	keys, err := s.Accounts.UserKeys(ctx, userID)
	if err != nil {
		return accounts.KeyView{}, err
	}
	if len(keys) == 0 {
		return accounts.KeyView{}, facturo.NotFound("user", userID)
	}
	for _, k := range keys {
		if k.RevokedAt == nil {
			return k, nil
		}
	}
	return keys[0], nil
}

// userKeyTarget is the user and key a user-key command acts on: the
// calling key itself for a user, the named user's key for the operator.
func (s *Server) userKeyTarget(r *http.Request) (userID, keyID string, err error) {
	p := principal(r.Context())
	if p.Auth == AuthUser {
		return p.UserID, p.KeyID, nil
	}
	userID = mux.Vars(r)["id"]
	if _, err := command.User(r.Context(), s.commands, userID); err != nil {
		return "", "", err
	}
	k, err := s.currentUserKey(r.Context(), userID)
	return userID, k.ID, err
}

func (s *Server) rotateUserKey(r *http.Request, m command.Meta, in rotateInput) (command.NewKey, error) {
	userID, keyID, err := s.userKeyTarget(r)
	if err != nil {
		return command.NewKey{}, err
	}
	k, err := command.RotateUserKey(r.Context(), s.commands, s.newSecret, m, userID, keyID, in.grace())
	if err == nil {
		s.Auth.Cache.InvalidateKey(keyID)
	}
	return k, err
}

func (s *Server) revokeUserKey(r *http.Request, m command.Meta, _ command.None) (*accounts.APIKey, error) {
	userID, keyID, err := s.userKeyTarget(r)
	if err != nil {
		return nil, err
	}
	k, err := command.RevokeUserKey(r.Context(), s.commands, m, userID, keyID)
	if err == nil {
		s.Auth.Cache.InvalidateKey(keyID)
	}
	return k, err
}
