package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/gorilla/mux"
)

// registerKeyManagementRoutes adds update, rotate and revoke. Each runs a
// key command and then drops the key from this process's cache of
// verified keys at once; other processes hear of it through the key
// events (internal/auth).
func (s *Server) registerKeyManagementRoutes(r *mux.Router) {
	base := "/v1/organizations/{org}/api_keys/{id}"
	s.HandleCommand(r, Route{Method: "PATCH", Path: base, Auth: AuthUser}, runCommand(s, true, s.updateKey, s.answerKey))
	s.HandleCommand(r, Route{Method: "POST", Path: base + "/rotate", Auth: AuthUser},
		runCommand(s, true, s.rotateKey, s.answerNewKey(http.StatusOK, true)))
	s.HandleCommand(r, Route{Method: "POST", Path: base + "/revoke", Auth: AuthUser}, runCommand(s, true, s.revokeKey, s.answerKey))
}

func (s *Server) keyView(ctx context.Context, k *accounts.APIKey) (accounts.KeyView, error) {
	v := k.View()
	var err error
	v.LastUsedAt, err = s.Accounts.KeyLastUsed(ctx, k.ID)
	return v, err
}

// keyChanged drops a changed key from this process's cache.
func (s *Server) keyChanged(r *http.Request) {
	s.Auth.Cache.InvalidateKey(mux.Vars(r)["id"])
}

func (s *Server) updateKey(r *http.Request, m command.Meta, p accounts.KeyPatch) (*accounts.APIKey, error) {
	v := mux.Vars(r)
	k, err := command.UpdateKey(r.Context(), s.commands, principal(r.Context()).UserID, m, v["org"], v["id"], p)
	if err == nil {
		s.keyChanged(r)
	}
	return k, err
}

type rotateInput struct {
	GracePeriodSeconds *int64 `json:"grace_period_seconds" facturo:"min=0;max=604800;default=86400"`
}

// grace is the grace period asked for (default one day).
func (in rotateInput) grace() time.Duration {
	grace := accounts.DefaultGracePeriod
	if in.GracePeriodSeconds != nil {
		grace = time.Duration(*in.GracePeriodSeconds) * time.Second
		if *in.GracePeriodSeconds < 0 || *in.GracePeriodSeconds > int64(accounts.MaxGracePeriod/time.Second) {
			grace = -1 // out of range: the aggregate refuses it with the parameter's name
		}
	}
	return grace
}

// rotateKey issues a new secret, shown in this answer only; the old one
// keeps working for the grace period (default one day).
func (s *Server) rotateKey(r *http.Request, m command.Meta, in rotateInput) (command.NewKey, error) {
	v := mux.Vars(r)
	k, err := command.RotateKey(r.Context(), s.commands, s.newSecret, principal(r.Context()).UserID, m, v["org"], v["id"], in.grace())
	if err == nil {
		s.keyChanged(r)
	}
	return k, err
}

func (s *Server) revokeKey(r *http.Request, m command.Meta, _ command.None) (*accounts.APIKey, error) {
	v := mux.Vars(r)
	k, err := command.RevokeKey(r.Context(), s.commands, principal(r.Context()).UserID, m, v["org"], v["id"])
	if err == nil {
		s.keyChanged(r)
	}
	return k, err
}

// answerKey writes a key's view with its last use.
func (s *Server) answerKey(w http.ResponseWriter, r *http.Request, k *accounts.APIKey) error {
	v, err := s.keyView(r.Context(), k)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
