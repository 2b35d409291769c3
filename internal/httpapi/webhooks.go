package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
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
	base := "/v1/webhook_endpoints"
	one := base + "/{id}"
	route := func(method, path, action string, fn handlerFunc) {
		s.Handle(r, Route{Method: method, Path: path, Auth: AuthOrg, Scope: "webhooks:" + action}, fn)
	}
	route("POST", base, "write", h.create)
	route("GET", base, "read", h.list)
	route("GET", one, "read", h.get)
	route("PATCH", one, "write", h.update)
	route("DELETE", one, "delete", h.remove)
	route("POST", one+"/rotate_secret", "write", h.rotateSecret)
	route("POST", one+"/ping", "write", h.ping)
	route("POST", one+"/recover", "write", h.recover)
	route("GET", one+"/deliveries", "read", h.listDeliveries)
	route("GET", one+"/deliveries/{delivery}", "read", h.getDelivery)
	route("POST", one+"/deliveries/{delivery}/resend", "write", h.resend)
}

func (h *webhookRoutes) create(w http.ResponseWriter, r *http.Request) error {
	var in webhooks.EndpointInput
	if err := decode(r, &in); err != nil {
		return err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	all, err := h.store.ExecuteEndpoint(r.Context(), orgStream(r, id.New(id.WebhookEndpt)), meta(r),
		func([]events.Event) ([]events.Draft, error) { return webhooks.NewEndpoint(in, secret, h.policy) })
	if err != nil {
		return err
	}
	return answerEndpoint(w, http.StatusCreated, all, true)
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
	ep, err := LoadAggregate(r, h.s.Store, "webhook_endpoint", mux.Vars(r)["id"], webhooks.FoldEndpoint)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ep.View())
	return nil
}

func (h *webhookRoutes) update(w http.ResponseWriter, r *http.Request) error {
	var p webhooks.EndpointPatch
	if err := decode(r, &p); err != nil {
		return err
	}
	all, err := h.change(r, func(ep *webhooks.Endpoint) ([]events.Draft, error) { return ep.Update(p, h.policy) })
	if err != nil {
		return err
	}
	return answerEndpoint(w, http.StatusOK, all, false)
}

func (h *webhookRoutes) remove(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.change(r, (*webhooks.Endpoint).Delete); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": mux.Vars(r)["id"], "object": "webhook_endpoint", "deleted": true})
	return nil
}

type rotateSecretInput struct {
	GracePeriodSeconds *int64 `json:"grace_period_seconds"`
}

func (h *webhookRoutes) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	var in rotateSecretInput
	if err := decode(r, &in); err != nil {
		return err
	}
	grace := webhooks.DefaultGracePeriod
	if in.GracePeriodSeconds != nil {
		if *in.GracePeriodSeconds < 0 {
			return facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds",
				"grace_period_seconds must be zero or more.")
		}
		// 0 ends the old secret now; the aggregate bounds the maximum.
		grace = min(time.Duration(*in.GracePeriodSeconds)*time.Second, 365*24*time.Hour)
		if grace == 0 {
			grace = -1
		}
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	now := h.s.Now()
	all, err := h.change(r, func(ep *webhooks.Endpoint) ([]events.Draft, error) { return ep.RotateSecret(secret, grace, now) })
	if err != nil {
		return err
	}
	return answerEndpoint(w, http.StatusOK, all, true)
}

// change runs a decision on an existing endpoint of the caller's tenant.
func (h *webhookRoutes) change(r *http.Request, decide func(*webhooks.Endpoint) ([]events.Draft, error)) ([]events.Event, error) {
	epID := mux.Vars(r)["id"]
	return h.store.ExecuteEndpoint(r.Context(), orgStream(r, epID), meta(r), func(history []events.Event) ([]events.Draft, error) {
		ep, err := FoldExisting(history, "webhook_endpoint", epID, webhooks.FoldEndpoint)
		if err != nil {
			return nil, err
		}
		return decide(ep)
	})
}

// answerEndpoint writes the endpoint's view; withSecret shows the signing
// secret, which only create and rotate_secret do.
func answerEndpoint(w http.ResponseWriter, status int, all []events.Event, withSecret bool) error {
	ep, err := webhooks.FoldEndpoint(all)
	if err != nil {
		return err
	}
	v := ep.View()
	if withSecret {
		v.Secret = ep.Secret
	}
	writeJSON(w, status, v)
	return nil
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
	Since json.RawMessage `json:"since"`
	Until json.RawMessage `json:"until"`
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

// jsonTime reads an RFC 3339 string or unix seconds.
func jsonTime(param string, raw json.RawMessage) (time.Time, error) {
	s := strings.Trim(string(raw), `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, facturo.ParamError(facturo.CodeParameterInvalid, param,
			"%s must be an RFC 3339 timestamp or unix seconds.", param)
	}
	return t.UTC(), nil
}
