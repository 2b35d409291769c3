package httpapi

import (
	"net/http"
	"strconv"

	"github.com/facturo/facturo"
	"github.com/gorilla/mux"
)

// errNoActivity answers when the process was built without an activity
// store (Deps.Activity).
var errNoActivity = facturo.Errorf(facturo.CodeServiceUnavailable, "Key activity is not available on this server.")

func (s *Server) registerActivityRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations/{org}/api_keys/{id}/activity", Auth: AuthUser}, s.keyActivity)
	s.Handle(r, Route{Method: "GET", Path: "/v1/organizations/{org}/audit_log", Auth: AuthUser}, s.auditLog)
}

// keyActivity lists a key's most recent requests (?limit=1..100, default
// 20). It shows what the last flush wrote: up to a few seconds behind.
func (s *Server) keyActivity(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	k, err := s.loadKey(r.Context(), v["org"], v["id"])
	if err != nil {
		return err
	}
	limit := 20
	if q := r.URL.Query().Get("limit"); q != "" {
		if limit, err = strconv.Atoi(q); err != nil || limit < 1 || limit > 100 {
			return facturo.ParamError(facturo.CodeParameterInvalid, "limit", "limit must be an integer from 1 to 100.")
		}
	}
	if s.Activity == nil {
		return errNoActivity
	}
	list, err := s.Activity.KeyActivity(r.Context(), k.OrgID, k.ID, limit)
	if err != nil {
		return err
	}
	return writeList(w, r, list, false)
}

// auditLog lists an organization's key lifecycle and authentication
// failures, newest first, paginated like every list.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	orgID := mux.Vars(r)["org"]
	if _, err := s.loadOrganization(r.Context(), orgID); err != nil {
		return err
	}
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	if s.Activity == nil {
		return errNoActivity
	}
	list, more, err := s.Activity.AuditLog(r.Context(), orgID, p)
	if err != nil {
		return err
	}
	return writeList(w, r, list, more)
}
