package httpapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/command"
)

func (s *Server) registerUserRoutes(r *mux.Router) {
	s.HandleCommand(r, Route{Method: "POST", Path: "/v1/users", Auth: AuthOperator}, runCommand(s, true, s.createUser, answerUser))
	s.registerUserKeyRoutes(r)
}

type userCreated struct {
	accounts.UserView
	SecretKey string `json:"secret_key"`
}

// createUser makes a user and its secret key; the key is shown only here.
func (s *Server) createUser(r *http.Request, m command.Meta, in accounts.UserInput) (command.NewUser, error) {
	return command.CreateUser(r.Context(), s.commands, s.newSecret, m, in)
}

func answerUser(w http.ResponseWriter, _ *http.Request, u command.NewUser) error {
	writeJSON(w, http.StatusCreated, userCreated{UserView: u.User.View(), SecretKey: u.Secret.String()})
	return nil
}

// newSecret generates a key secret and its bcrypt hash.
func (s *Server) newSecret(kind auth.Kind) (auth.Token, []byte, error) {
	tok, err := auth.Generate(kind)
	if err != nil {
		return tok, nil, err
	}
	hash, err := auth.HashWithCost(tok, s.BcryptCost)
	return tok, hash, err
}

// loadOrganization returns an organization the calling user owns; any
// other reads as not found.
func (s *Server) loadOrganization(ctx context.Context, orgID string) (*accounts.Organization, error) {
	return command.OwnedOrganization(ctx, s.commands, principal(ctx).UserID, orgID)
}
