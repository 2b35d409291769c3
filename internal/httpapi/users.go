package httpapi

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
)

func (s *Server) registerUserRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "POST", Path: "/v1/users", Auth: AuthOperator}, s.createUser)
}

type userCreated struct {
	accounts.UserView
	SecretKey string `json:"secret_key"`
}

// createUser makes a user and its secret key; the key is shown only here.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in accounts.UserInput
	if err := decode(r, &in); err != nil {
		return err
	}
	drafts, err := accounts.NewUser(in)
	if err != nil {
		return err
	}
	tok, hash, err := s.newSecret(auth.KindUser)
	if err != nil {
		return err
	}
	userID, keyID := id.New(id.User), id.New(id.Key)
	var user *accounts.User
	_, err = s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
		added, err := tx.Append(r.Context(), accountStream(userID, ""), 0, drafts...)
		if err != nil {
			return err
		}
		if user, err = accounts.FoldUser(added); err != nil {
			return err
		}
		_, err = tx.Append(r.Context(), accountStream(keyID, ""), 0, accounts.NewUserKey(userID, tok, hash)...)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userCreated{UserView: user.View(), SecretKey: tok.String()})
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
	history, err := s.Store.Load(ctx, accountStream(orgID, orgID))
	if err != nil {
		return nil, err
	}
	o, err := accounts.FoldOrganization(history)
	if err != nil {
		return nil, err
	}
	if err := o.OwnedBy(principal(ctx).UserID, orgID); err != nil {
		return nil, err
	}
	return o, nil
}
