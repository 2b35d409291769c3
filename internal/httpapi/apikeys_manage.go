package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

// registerKeyManagementRoutes adds update, rotate and revoke. Each runs the
// key aggregate's decision and then drops the key from this process's cache
// of verified keys at once; other processes hear of it through the key
// events (internal/authsync).
func (s *Server) registerKeyManagementRoutes(r *mux.Router) {
	base := "/v1/organizations/{org}/api_keys/{id}"
	s.Handle(r, Route{Method: "PATCH", Path: base, Auth: AuthUser}, s.updateKey)
	s.Handle(r, Route{Method: "POST", Path: base + "/rotate", Auth: AuthUser}, s.rotateKey)
	s.Handle(r, Route{Method: "POST", Path: base + "/revoke", Auth: AuthUser}, s.revokeKey)
}

// keyDecide decides a key command on the folded key.
type keyDecide func(k *accounts.APIKey) ([]events.Draft, error)

// runKeyCommand loads a key of an organization the caller owns (404
// otherwise), decides on its current state with the expected version, and
// invalidates the local cache after the commit.
func (s *Server) runKeyCommand(r *http.Request, decide keyDecide) (*accounts.APIKey, error) {
	v := mux.Vars(r)
	k, err := s.loadKey(r.Context(), v["org"], v["id"])
	if err != nil {
		return nil, err
	}
	st := events.Stream{ID: k.ID, OrgID: k.OrgID, Livemode: k.Livemode}
	all, err := s.Store.Execute(r.Context(), st, meta(r),
		func(_ context.Context, _ *postgres.Tx, history []events.Event) ([]events.Draft, error) {
			cur, err := accounts.FoldAPIKey(history)
			if err != nil {
				return nil, err
			}
			return decide(cur)
		})
	if err != nil {
		return nil, err
	}
	s.Auth.Cache.InvalidateKey(k.ID)
	return accounts.FoldAPIKey(all)
}

func (s *Server) keyView(ctx context.Context, k *accounts.APIKey) (accounts.KeyView, error) {
	v := k.View()
	var err error
	v.LastUsedAt, err = s.Accounts.KeyLastUsed(ctx, k.ID)
	return v, err
}

func (s *Server) updateKey(w http.ResponseWriter, r *http.Request) error {
	var patch accounts.KeyPatch
	if err := decode(r, &patch); err != nil {
		return err
	}
	now := s.Now()
	k, err := s.runKeyCommand(r, func(k *accounts.APIKey) ([]events.Draft, error) { return k.Update(patch, now) })
	if err != nil {
		return err
	}
	return s.answerKey(w, r, k)
}

type rotateInput struct {
	GracePeriodSeconds *int64 `json:"grace_period_seconds"`
}

// rotateKey issues a new secret, shown in this answer only; the old one
// keeps working for the grace period (default one day).
func (s *Server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	var in rotateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	grace := accounts.DefaultGracePeriod
	if in.GracePeriodSeconds != nil {
		grace = time.Duration(*in.GracePeriodSeconds) * time.Second
		if *in.GracePeriodSeconds < 0 || *in.GracePeriodSeconds > int64(accounts.MaxGracePeriod/time.Second) {
			grace = -1 // out of range: the aggregate refuses it with the parameter's name
		}
	}
	// bcrypt runs before the command's transaction, not inside it; the
	// decision is taken again on the state the transaction reads.
	vars := mux.Vars(r)
	cur, err := s.loadKey(r.Context(), vars["org"], vars["id"])
	if err != nil {
		return err
	}
	if err := cur.CanRotate(grace); err != nil {
		return err
	}
	tok, hash, err := s.newSecret(cur.SecretKind())
	if err != nil {
		return err
	}
	now := s.Now()
	k, err := s.runKeyCommand(r, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Rotate(tok, hash, grace, now)
	})
	if err != nil {
		return err
	}
	v, err := s.keyView(r.Context(), k)
	if err != nil {
		return err
	}
	v.Secret = tok.String()
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := decode(r, &struct{}{}); err != nil {
		return err
	}
	now := s.Now()
	k, err := s.runKeyCommand(r, func(k *accounts.APIKey) ([]events.Draft, error) { return k.Revoke(now) })
	if err != nil {
		return err
	}
	return s.answerKey(w, r, k)
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
