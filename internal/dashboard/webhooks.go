package dashboard

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/webhooks"
)

func (s *Dashboard) webhookRoutes() {
	base := Prefix + "/organizations/{org}/{mode}/webhooks"
	one := base + "/{endpoint}"
	s.mux.HandleFunc("GET "+base, s.inOrg("webhooks", s.endpoints))
	s.mux.HandleFunc("POST "+base, s.inOrg("webhooks", s.createEndpoint))
	s.mux.HandleFunc("GET "+one, s.inOrg("webhooks", s.endpoint))
	s.mux.HandleFunc("POST "+one+"/rotate", s.inOrg("webhooks", s.rotateEndpointSecret))
	s.mux.HandleFunc("POST "+one+"/ping", s.inOrg("webhooks", s.ping))
	s.mux.HandleFunc("POST "+one+"/disable", s.inOrg("webhooks", s.setEndpointDisabled(true)))
	s.mux.HandleFunc("POST "+one+"/enable", s.inOrg("webhooks", s.setEndpointDisabled(false)))
	s.mux.HandleFunc("POST "+one+"/edit", s.inOrg("webhooks", s.editEndpoint))
	s.mux.HandleFunc("POST "+one+"/recover", s.inOrg("webhooks", s.recoverDeliveries))
	s.mux.HandleFunc("GET "+one+"/deliveries/{delivery}", s.inOrg("webhooks", s.delivery))
	s.mux.HandleFunc("POST "+one+"/deliveries/{delivery}/resend", s.inOrg("webhooks", s.resend))
}

// endpointForm is the create form as filled in.
type endpointForm struct {
	URL         string
	Events      []string
	Description string
}

type endpointsData struct {
	Endpoints list[webhooks.EndpointView]
	Types     []events.TypeInfo
	Form      endpointForm
}

func (s *Dashboard) endpoints(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.renderEndpoints(w, r, ss, o, http.StatusOK, endpointForm{Events: []string{"*"}}, nil)
}

func (s *Dashboard) renderEndpoints(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, status int, form endpointForm, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, more, err := s.Webhooks.ListEndpoints(r.Context(), o.tenant, p)
	if err != nil {
		return err
	}
	v := o.page(ss, "Webhook endpoints", endpointsData{Types: events.Types(), Form: form,
		Endpoints: pager(list, more, p, func(e webhooks.EndpointView) string { return e.ID })})
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "webhooks", v)
	return nil
}

// createEndpoint runs command.CreateEndpoint with the form decoded as the
// API's body of POST /v1/webhook_endpoints.
func (s *Dashboard) createEndpoint(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	f := r.PostForm
	form := endpointForm{URL: strings.TrimSpace(f.Get("url")), Events: f["enabled_events"], Description: f.Get("description")}
	body := map[string]any{"url": form.URL, "enabled_events": form.Events, "description": form.Description}
	if form.Events == nil {
		body["enabled_events"] = []string{}
	}
	var in webhooks.EndpointInput
	err := decodeForm(body, &in)
	var ep *webhooks.Endpoint
	if err == nil {
		ep, err = command.CreateEndpoint(r.Context(), s.Webhooks, s.WebhookPolicy, o.tenant, s.meta(r, ss), in)
	}
	if err != nil {
		return s.renderEndpoints(w, r, ss, o, httpapi.ErrorStatus(err), form, err)
	}
	s.reveal(w, r, ss, ep.ID, ep.Secret)
	http.Redirect(w, r, o.Base()+"/webhooks/"+ep.ID, http.StatusSeeOther)
	return nil
}

// loadEndpoint folds an endpoint of o's tenant: another tenant's, or an id
// of another kind, is not found.
func (s *Dashboard) loadEndpoint(r *http.Request, o *orgPage) (*webhooks.Endpoint, error) {
	epID := r.PathValue("endpoint")
	if !command.EndpointKind.Has(epID) {
		return nil, facturo.NotFound(command.EndpointKind.Name, epID)
	}
	history, err := s.Store.Load(r.Context(), events.Stream{ID: epID, OrgID: o.tenant.OrgID, Livemode: o.tenant.Livemode})
	if err != nil {
		return nil, err
	}
	return command.EndpointKind.FoldExisting(epID, history)
}

type endpointData struct {
	Endpoint   webhooks.EndpointView
	Types      []events.TypeInfo // for the edit form
	Secret     string            // the signing secret, on the one page that shows it
	Deliveries list[webhooks.DeliveryView]
	Status     string // the delivery log's status filter
}

func (s *Dashboard) endpoint(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	ep, err := s.loadEndpoint(r, o)
	if err != nil {
		return err
	}
	return s.renderEndpoint(w, r, ss, o, ep, http.StatusOK, nil)
}

// renderEndpoint shows an endpoint, its actions and its delivery log,
// newest first, filtered by status as GET .../deliveries is.
func (s *Dashboard) renderEndpoint(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, ep *webhooks.Endpoint, status int, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	f := webhooks.DeliveryFilter{Status: r.URL.Query().Get("status")}
	if f.Status != "" && !webhooks.ValidDeliveryStatus(f.Status) {
		return facturo.ParamError(facturo.CodeParameterInvalid, "status", "status must be one of pending, succeeded, failed, skipped.")
	}
	list, more, err := s.Webhooks.ListDeliveries(r.Context(), o.tenant, ep.ID, f, p)
	if err != nil {
		return err
	}
	page := pager(list, more, p, func(d webhooks.DeliveryView) string { return d.ID })
	page.keep(url.Values{"status": {f.Status}})
	d := endpointData{Endpoint: ep.View(), Types: events.Types(), Secret: s.revealed(w, r, ss, ep.ID), Status: f.Status, Deliveries: page}
	v := o.page(ss, "Webhook endpoint", d)
	if n := r.URL.Query().Get("recovered"); n != "" {
		if _, err := strconv.Atoi(n); err == nil {
			v.Notice = n + " failed deliveries queued again."
		}
	}
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "webhook", v)
	return nil
}

// endpointAction runs act on an endpoint of o and shows the endpoint
// again: on success after a redirect, refused with the API's status.
func (s *Dashboard) endpointAction(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage,
	act func(ep *webhooks.Endpoint) error) error {
	ep, err := s.loadEndpoint(r, o)
	if err != nil {
		return err
	}
	if err := act(ep); err != nil {
		return s.renderEndpoint(w, r, ss, o, ep, httpapi.ErrorStatus(err), err)
	}
	http.Redirect(w, r, o.Base()+"/webhooks/"+ep.ID, http.StatusSeeOther)
	return nil
}

// rotateEndpointSecret runs command.RotateEndpointSecret; the new secret
// is shown once, like a key's.
func (s *Dashboard) rotateEndpointSecret(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.endpointAction(w, r, ss, o, func(ep *webhooks.Endpoint) error {
		grace, err := endpointGrace(r.PostForm.Get("grace_period_seconds"))
		if err != nil {
			return err
		}
		after, err := command.RotateEndpointSecret(r.Context(), s.Webhooks, o.tenant, s.meta(r, ss), ep.ID, grace)
		if err == nil {
			s.reveal(w, r, ss, ep.ID, after.Secret)
		}
		return err
	})
}

// endpointGrace reads grace_period_seconds as POST .../rotate_secret does:
// zero or more seconds, 0 ending the old secret now (-1 to the command),
// bounded before it becomes a Duration; the endpoint refuses too long a one.
func endpointGrace(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return webhooks.DefaultGracePeriod, nil
	}
	secs, err := strconv.ParseInt(s, 10, 64)
	if err != nil || secs < 0 {
		return 0, facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds", "grace_period_seconds must be zero or more.")
	}
	if secs == 0 {
		return -1, nil
	}
	const ceiling = int64(365 * 24 * time.Hour / time.Second)
	return time.Duration(min(secs, ceiling)) * time.Second, nil
}

// ping records a webhook.ping delivery, as POST .../ping does.
func (s *Dashboard) ping(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.endpointAction(w, r, ss, o, func(ep *webhooks.Endpoint) error {
		_, err := s.Webhooks.Ping(r.Context(), o.tenant, ep.ID, s.Now())
		return err
	})
}

// setEndpointDisabled runs command.UpdateEndpoint with disabled.
func (s *Dashboard) setEndpointDisabled(disabled bool) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
		return s.endpointAction(w, r, ss, o, func(ep *webhooks.Endpoint) error {
			_, err := command.UpdateEndpoint(r.Context(), s.Webhooks, s.WebhookPolicy, o.tenant, s.meta(r, ss), ep.ID,
				webhooks.EndpointPatch{Disabled: &disabled})
			return err
		})
	}
}

type deliveryData struct {
	Endpoint webhooks.EndpointView
	Delivery webhooks.DeliveryView
}

// delivery shows one delivery with each attempt: status, duration and the
// start of the response.
func (s *Dashboard) delivery(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	ep, err := s.loadEndpoint(r, o)
	if err != nil {
		return err
	}
	d, err := s.Webhooks.Delivery(r.Context(), o.tenant, ep.ID, r.PathValue("delivery"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "delivery", o.page(ss, "Delivery "+d.ID, deliveryData{Endpoint: ep.View(), Delivery: d}))
	return nil
}

// resend queues a delivery again, as POST .../resend does.
func (s *Dashboard) resend(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	ep, err := s.loadEndpoint(r, o)
	if err != nil {
		return err
	}
	d, err := s.Webhooks.Resend(r.Context(), o.tenant, ep.ID, r.PathValue("delivery"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, o.Base()+"/webhooks/"+ep.ID+"/deliveries/"+d.ID, http.StatusSeeOther)
	return nil
}
