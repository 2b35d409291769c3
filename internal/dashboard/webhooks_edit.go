package dashboard

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/webhooks"
)

// editEndpoint runs command.UpdateEndpoint with the edit form decoded as
// the API's body of PATCH /v1/webhook_endpoints/{id}: the same rules, the
// same address policy, the same messages.
func (s *Dashboard) editEndpoint(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.endpointAction(w, r, ss, o, func(ep *webhooks.Endpoint) error {
		f := r.PostForm
		body := map[string]any{"url": strings.TrimSpace(f.Get("url")), "description": f.Get("description"),
			"enabled_events": f["enabled_events"]}
		if f["enabled_events"] == nil {
			body["enabled_events"] = []string{}
		}
		var p webhooks.EndpointPatch
		if err := decodeForm(body, &p); err != nil {
			return err
		}
		_, err := command.UpdateEndpoint(r.Context(), s.Webhooks, s.WebhookPolicy, o.tenant, s.meta(r, ss), ep.ID, p)
		return err
	})
}

// recoverDeliveries queues again the failed deliveries of events from
// since until until (now when empty), as POST .../recover does.
func (s *Dashboard) recoverDeliveries(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	ep, err := s.loadEndpoint(r, o)
	if err != nil {
		return err
	}
	n, err := s.recoverRange(r, o, ep)
	if err != nil {
		return s.renderEndpoint(w, r, ss, o, ep, httpapi.ErrorStatus(err), err)
	}
	http.Redirect(w, r, o.Base()+"/webhooks/"+ep.ID+"?recovered="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

func (s *Dashboard) recoverRange(r *http.Request, o *orgPage, ep *webhooks.Endpoint) (int, error) {
	since, err := formInstant("since", r.PostForm.Get("since"))
	if err != nil {
		return 0, err
	}
	if since.IsZero() {
		return 0, facturo.ParamError(facturo.CodeParameterMissing, "since", "since is required.")
	}
	until := s.Now().UTC()
	if u, err := formInstant("until", r.PostForm.Get("until")); err != nil {
		return 0, err
	} else if !u.IsZero() {
		until = u
	}
	if !since.Before(until) {
		return 0, facturo.ParamError(facturo.CodeParameterInvalid, "until", "until must be after since.")
	}
	return s.Webhooks.Recover(r.Context(), o.tenant, ep.ID, since, until)
}

// formInstant reads a datetime-local field (UTC) or an RFC 3339 time; the
// zero time when empty.
func formInstant(param, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, formTime(v))
	if err != nil {
		return time.Time{}, facturo.ParamError(facturo.CodeParameterInvalid, param,
			"%s must be a date and time (UTC), or an RFC 3339 timestamp.", param)
	}
	return t.UTC(), nil
}
