package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks"
	"github.com/gorilla/mux"
)

// webhookRoutes serves /v1/webhook_endpoints and the delivery log.
type webhookRoutes struct {
	s      *Server
	store  *postgres.WebhookStore
	policy webhooks.AddressPolicy
}

func (s *Server) registerWebhookRoutes(r *mux.Router) {
	// The API needs only the address policy, to refuse internal URLs at
	// once; the delivery worker checks again at connect time.
	h := &webhookRoutes{s: s, store: postgres.NewWebhookStore(s.Store), policy: s.WebhookPolicy}
	h.store.Body = s.EventBody
	base := "/v1/webhook_endpoints"
	one := base + "/{id}"
	route := func(method, path, action string, fn commandFunc) {
		s.HandleCommand(r, Route{Method: method, Path: path, Auth: AuthOrg, Scope: "webhooks:" + action}, fn)
	}
	route("POST", base, "write", runCommand(s, true, h.create, answerEndpoint(http.StatusCreated, true)))
	route("GET", base, "read", reading(h.list))
	route("GET", one, "read", reading(h.get))
	route("PATCH", one, "write", runCommand(s, true, h.update, answerEndpoint(http.StatusOK, false)))
	route("DELETE", one, "delete", runCommand(s, false, h.remove, answerDeleted))
	route("POST", one+"/rotate_secret", "write", runCommand(s, true, h.rotateSecret, answerEndpoint(http.StatusOK, true)))
	route("POST", one+"/ping", "write", reading(h.ping))
	route("POST", one+"/recover", "write", reading(h.recover))
	route("GET", one+"/deliveries", "read", reading(h.listDeliveries))
	route("GET", one+"/deliveries/{delivery}", "read", reading(h.getDelivery))
	route("POST", one+"/deliveries/{delivery}/resend", "write", reading(h.resend))
}

func (h *webhookRoutes) create(r *http.Request, m command.Meta, in webhooks.EndpointInput) (*webhooks.Endpoint, error) {
	return command.CreateEndpoint(r.Context(), h.store, h.policy, tenant(r), m, in)
}

func (h *webhookRoutes) list(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, more, err := h.store.ListEndpoints(r.Context(), tenant(r), p)
	if err != nil {
		return err
	}
	return writeList(w, r, list, more)
}

func (h *webhookRoutes) get(w http.ResponseWriter, r *http.Request) error {
	ep, err := loadObject(r, h.s.Store, command.EndpointKind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ep.View())
	return nil
}

func (h *webhookRoutes) update(r *http.Request, m command.Meta, p webhooks.EndpointPatch) (*webhooks.Endpoint, error) {
	return command.UpdateEndpoint(r.Context(), h.store, h.policy, tenant(r), m, mux.Vars(r)["id"], p)
}

func (h *webhookRoutes) remove(r *http.Request, m command.Meta, _ command.None) (*webhooks.Endpoint, error) {
	return command.DeleteEndpoint(r.Context(), h.store, tenant(r), m, mux.Vars(r)["id"])
}

func answerDeleted(w http.ResponseWriter, r *http.Request, _ *webhooks.Endpoint) error {
	writeJSON(w, http.StatusOK, map[string]any{"id": mux.Vars(r)["id"], "object": "webhook_endpoint", "deleted": true})
	return nil
}

type rotateSecretInput struct {
	GracePeriodSeconds *int64 `json:"grace_period_seconds" facturo:"min=0;max=604800;default=86400"`
}

func (h *webhookRoutes) rotateSecret(r *http.Request, m command.Meta, in rotateSecretInput) (*webhooks.Endpoint, error) {
	grace := webhooks.DefaultGracePeriod
	if in.GracePeriodSeconds != nil {
		secs := *in.GracePeriodSeconds
		if secs < 0 {
			return nil, facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds",
				"grace_period_seconds must be zero or more.")
		}
		// Bounded in seconds before it becomes a Duration, which would
		// overflow (and wrap to a grace of almost nothing) past 292 years;
		// the aggregate refuses anything over its maximum.
		const ceiling = int64(365 * 24 * time.Hour / time.Second)
		grace = time.Duration(min(secs, ceiling)) * time.Second
		if grace == 0 {
			grace = -1 // 0 ends the old secret now
		}
	}
	return command.RotateEndpointSecret(r.Context(), h.store, tenant(r), m, mux.Vars(r)["id"], grace)
}

// answerEndpoint writes the endpoint's view; withSecret shows the signing
// secret, which only create and rotate_secret do.
func answerEndpoint(status int, withSecret bool) func(http.ResponseWriter, *http.Request, *webhooks.Endpoint) error {
	return func(w http.ResponseWriter, _ *http.Request, ep *webhooks.Endpoint) error {
		v := ep.View()
		if withSecret {
			v.Secret = ep.Secret
		}
		writeJSON(w, status, v)
		return nil
	}
}

func (h *webhookRoutes) ping(w http.ResponseWriter, r *http.Request) error {
	d, err := h.store.Ping(r.Context(), tenant(r), mux.Vars(r)["id"], h.s.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, d)
	return nil
}

func (h *webhookRoutes) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := webhooks.DeliveryFilter{Status: q.Get("status"), EventType: q.Get("event_type")}
	if f.Status != "" && !webhooks.ValidDeliveryStatus(f.Status) {
		return facturo.ParamError(facturo.CodeParameterInvalid, "status",
			"status must be one of pending, succeeded, failed, skipped.")
	}
	list, more, err := h.store.ListDeliveries(r.Context(), tenant(r), mux.Vars(r)["id"], f, p)
	if err != nil {
		return err
	}
	return writeList(w, r, list, more)
}

func (h *webhookRoutes) getDelivery(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	d, err := h.store.Delivery(r.Context(), tenant(r), v["id"], v["delivery"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (h *webhookRoutes) resend(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	d, err := h.store.Resend(r.Context(), tenant(r), v["id"], v["delivery"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, d)
	return nil
}

type recoverInput struct {
	Since json.RawMessage `json:"since" facturo:"required;format=date-time"`
	Until json.RawMessage `json:"until" facturo:"format=date-time"`
}

type recoveryView struct {
	Object   string    `json:"object"`
	Endpoint string    `json:"webhook_endpoint"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Requeued int       `json:"requeued"`
}

func (h *webhookRoutes) recover(w http.ResponseWriter, r *http.Request) error {
	var in recoverInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Since) == 0 {
		return facturo.ParamError(facturo.CodeParameterMissing, "since", "since is required.")
	}
	since, err := jsonTime("since", in.Since)
	if err != nil {
		return err
	}
	until := h.s.Now().UTC()
	if len(in.Until) > 0 {
		if until, err = jsonTime("until", in.Until); err != nil {
			return err
		}
	}
	if !since.Before(until) {
		return facturo.ParamError(facturo.CodeParameterInvalid, "until", "until must be after since.")
	}
	epID := mux.Vars(r)["id"]
	n, err := h.store.Recover(r.Context(), tenant(r), epID, since, until)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, recoveryView{Object: "webhook_recovery", Endpoint: epID, Since: since, Until: until, Requeued: n})
	return nil
}

// jsonTime reads an RFC 3339 string or unix seconds (parseTime).
func jsonTime(param string, raw json.RawMessage) (time.Time, error) {
	return parseTime(param, strings.Trim(string(raw), `"`))
}
