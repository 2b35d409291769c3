package webhooks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks/stdwebhooks"
)

// Event types of webhook endpoints. Ping is not in the catalogue: nobody
// subscribes to it, POST /v1/webhook_endpoints/{id}/ping sends it.
const (
	EndpointCreated       = "webhook_endpoint.created"
	EndpointUpdated       = "webhook_endpoint.updated"
	EndpointDeleted       = "webhook_endpoint.deleted"
	EndpointSecretRotated = "webhook_endpoint.secret_rotated"
	EndpointDisabled      = "webhook_endpoint.disabled"

	PingType = "webhook.ping"
)

// Events are the event types of webhook endpoints (PingType is not one:
// it is never stored).
var Events = []events.TypeInfo{
	{Name: EndpointCreated, Description: "A webhook endpoint was created."},
	{Name: EndpointUpdated, Description: "A webhook endpoint's URL, events, description, metadata or status changed."},
	{Name: EndpointDeleted, Description: "A webhook endpoint was deleted."},
	{Name: EndpointSecretRotated, Description: "A webhook endpoint's signing secret was rotated; the old one signs too until the grace period ends."},
	{Name: EndpointDisabled, Description: "A webhook endpoint was disabled: by request, by a 410 Gone answer, or after failing too long."},
}

// RegisterEvents adds Events to r, with the endpoint they are about
// (never its secret).
func RegisterEvents(r *events.Registry) error {
	if err := r.Register(Events...); err != nil {
		return err
	}
	return r.RegisterObjects(events.ObjectOf[*Endpoint, EndpointView]("webhook_endpoint", FoldEndpoint))
}

// Endpoint statuses.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Limits on endpoint attributes.
const (
	maxDescription   = 1000
	maxMetadataKeys  = 50
	maxMetadataKey   = 40
	maxMetadataValue = 500
	// DefaultGracePeriod is how long the previous secret keeps signing after
	// a rotation, unless the request says otherwise.
	DefaultGracePeriod = 24 * time.Hour
	maxGracePeriod     = 7 * 24 * time.Hour
)

// Event data. Signing secrets sit under events.PrivatePrefix, so the events
// API and webhooks never show them, while the read model can be rebuilt
// from the events alone.
type (
	createdData struct {
		URL           string            `json:"url"`
		EnabledEvents []string          `json:"enabled_events"`
		Description   string            `json:"description"`
		Metadata      map[string]string `json:"metadata"`
		Secret        string            `json:"secret_signing"`
		Ordering      string            `json:"ordering,omitempty"`   // "" is parallel
		RateLimit     int               `json:"rate_limit,omitempty"` // 0: none
	}
	updatedData struct {
		URL           *string            `json:"url,omitempty"`
		EnabledEvents []string           `json:"enabled_events,omitempty"`
		Description   *string            `json:"description,omitempty"`
		Metadata      *map[string]string `json:"metadata,omitempty"`
		Status        string             `json:"status,omitempty"`
		Ordering      string             `json:"ordering,omitempty"`
		RateLimit     *int               `json:"rate_limit,omitempty"` // 0 removes the limit
	}
	rotatedData struct {
		Secret            string    `json:"secret_signing"`
		PreviousExpiresAt time.Time `json:"previous_expires_at"`
	}
	disabledData struct {
		Reason       string     `json:"reason"` // "requested", "gone", "failing"
		FailingSince *time.Time `json:"failing_since,omitempty"`
	}
)

// Reasons for disabling an endpoint.
const (
	DisabledRequested = "requested"
	DisabledGone      = "gone"
	DisabledFailing   = "failing"
)

// Endpoint is the webhook endpoint aggregate, folded from its stream.
type Endpoint struct {
	ID                string
	OrgID             string
	Livemode          bool
	URL               string
	EnabledEvents     []string
	Description       string
	Metadata          map[string]string
	Status            string
	DisabledReason    string
	Ordering          string // OrderingParallel or OrderingFIFO
	RateLimit         int    // deliveries per second; 0: no limit
	Secret            string
	PreviousSecret    string
	PreviousExpiresAt time.Time
	CreatedAt         time.Time
	Version           int
	deleted           bool
}

// EndpointView is the public JSON of an endpoint. Secret is set only in the
// answers to create and rotate_secret.
type EndpointView struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	URL            string            `json:"url"`
	EnabledEvents  []string          `json:"enabled_events"`
	Description    string            `json:"description"`
	Metadata       map[string]string `json:"metadata"`
	Status         string            `json:"status"`
	DisabledReason string            `json:"disabled_reason,omitempty"`
	// Ordering is "parallel" (deliveries go out concurrently) or "fifo"
	// (one at a time, in event order; a failing one holds the others).
	Ordering string `json:"ordering"`
	// RateLimit is the most deliveries per second the endpoint receives,
	// across every worker; null: no limit.
	RateLimit *int      `json:"rate_limit"`
	Livemode  bool      `json:"livemode"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"`
	// Deleted is set only in the object of a webhook_endpoint.deleted
	// event: GET of a deleted endpoint answers 404.
	Deleted bool `json:"deleted,omitempty"`
}

// Exists reports whether the endpoint was created and not deleted.
func (e *Endpoint) Exists() bool { return e.ID != "" && !e.deleted }

// View renders the endpoint without its secret.
func (e *Endpoint) View() EndpointView {
	md := e.Metadata
	if md == nil {
		md = map[string]string{}
	}
	v := EndpointView{ID: e.ID, Object: "webhook_endpoint", URL: e.URL, EnabledEvents: e.EnabledEvents,
		Description: e.Description, Metadata: md, Status: e.Status, DisabledReason: e.DisabledReason,
		Ordering: e.Ordering, Livemode: e.Livemode, CreatedAt: e.CreatedAt, Deleted: e.deleted}
	if e.RateLimit > 0 {
		limit := e.RateLimit
		v.RateLimit = &limit
	}
	return v
}

// Secrets returns the secrets a delivery at now is signed with: the current
// one, and the previous one during a rotation's grace period.
func (e *Endpoint) Secrets(now time.Time) []string {
	if e.PreviousSecret != "" && now.Before(e.PreviousExpiresAt) {
		return []string{e.Secret, e.PreviousSecret}
	}
	return []string{e.Secret}
}

// Subscribed reports whether the endpoint wants events of type t.
func (e *Endpoint) Subscribed(t string) bool {
	return slices.Contains(e.EnabledEvents, "*") || slices.Contains(e.EnabledEvents, t)
}

// FoldEndpoint replays an endpoint's stream.
func FoldEndpoint(history []events.Event) (*Endpoint, error) {
	e := &Endpoint{}
	for _, ev := range history {
		if err := e.apply(ev); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Endpoint) apply(ev events.Event) error {
	e.Version = ev.StreamVersion
	switch ev.Type {
	case EndpointCreated:
		var d createdData
		if err := ev.Decode(&d); err != nil {
			return err
		}
		*e = Endpoint{ID: ev.StreamID, OrgID: ev.OrgID, Livemode: ev.Livemode, URL: d.URL,
			EnabledEvents: d.EnabledEvents, Description: d.Description, Metadata: d.Metadata,
			Status: StatusEnabled, Ordering: cmp.Or(d.Ordering, OrderingParallel), RateLimit: d.RateLimit,
			Secret: d.Secret, CreatedAt: ev.CreatedAt, Version: ev.StreamVersion}
	case EndpointUpdated:
		var d updatedData
		if err := ev.Decode(&d); err != nil {
			return err
		}
		if d.URL != nil {
			e.URL = *d.URL
		}
		if d.EnabledEvents != nil {
			e.EnabledEvents = d.EnabledEvents
		}
		if d.Description != nil {
			e.Description = *d.Description
		}
		if d.Metadata != nil {
			e.Metadata = *d.Metadata
		}
		if d.Ordering != "" {
			e.Ordering = d.Ordering
		}
		if d.RateLimit != nil {
			e.RateLimit = *d.RateLimit
		}
		if d.Status != "" {
			e.Status = d.Status
			if d.Status == StatusEnabled {
				e.DisabledReason = ""
			}
		}
	case EndpointSecretRotated:
		var d rotatedData
		if err := ev.Decode(&d); err != nil {
			return err
		}
		e.PreviousSecret, e.PreviousExpiresAt, e.Secret = e.Secret, d.PreviousExpiresAt, d.Secret
	case EndpointDisabled:
		var d disabledData
		if err := ev.Decode(&d); err != nil {
			return err
		}
		e.Status, e.DisabledReason = StatusDisabled, d.Reason
	case EndpointDeleted:
		e.deleted = true
	default:
		return fmt.Errorf("webhook endpoint %s: unexpected event %s", ev.StreamID, ev.Type)
	}
	return nil
}

// EndpointInput creates an endpoint.
type EndpointInput struct {
	URL           string            `json:"url" facturo:"required;format=uri"`
	EnabledEvents []string          `json:"enabled_events" facturo:"required;min=1"`
	Description   string            `json:"description" facturo:"max=1000"`
	Metadata      map[string]string `json:"metadata"`
	// BackfillSince, when set, also delivers the matching events that
	// happened from then (at most BackfillWindow ago) until the endpoint's
	// creation, at most MaxBackfill of them.
	BackfillSince *time.Time `json:"backfill_since"`
	// Ordering is "parallel" (the default) or "fifo".
	Ordering string `json:"ordering" facturo:"enum=parallel|fifo;default=parallel"`
	// RateLimit caps the deliveries per second; nil: no limit.
	RateLimit *int `json:"rate_limit" facturo:"min=1;max=10000"`
}

// EndpointPatch changes an endpoint; nil fields stay as they are.
type EndpointPatch struct {
	URL           *string            `json:"url" facturo:"nonblank;format=uri"`
	EnabledEvents *[]string          `json:"enabled_events" facturo:"min=1"`
	Description   *string            `json:"description" facturo:"max=1000"`
	Metadata      *map[string]string `json:"metadata"`
	Disabled      *bool              `json:"disabled"`
	Ordering      *string            `json:"ordering" facturo:"enum=parallel|fifo"`
	// RateLimit sets the limit; 0 removes it.
	RateLimit *int `json:"rate_limit" facturo:"min=0;max=10000"`
}

// NewEndpoint decides the creation of an endpoint with the given secret
// (see stdwebhooks.NewSecret). The URL is checked against policy.
func NewEndpoint(in EndpointInput, secret string, policy AddressPolicy) ([]events.Draft, error) {
	if err := checkURL(policy, in.URL); err != nil {
		return nil, err
	}
	types, err := checkEnabledEvents(in.EnabledEvents)
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkMetadata(in.Metadata); err != nil {
		return nil, err
	}
	if in.Metadata == nil {
		in.Metadata = map[string]string{}
	}
	ordering, err := checkOrdering(in.Ordering)
	if err != nil {
		return nil, err
	}
	limit := 0
	if in.RateLimit != nil {
		if limit, err = checkRateLimit(*in.RateLimit, 1); err != nil {
			return nil, err
		}
	}
	return []events.Draft{{Type: EndpointCreated, Data: createdData{URL: in.URL, EnabledEvents: types,
		Description: in.Description, Metadata: in.Metadata, Secret: secret, Ordering: ordering, RateLimit: limit}}}, nil
}

// Update decides a change of an endpoint. Disabling through an update
// records webhook_endpoint.disabled (reason "requested").
func (e *Endpoint) Update(p EndpointPatch, policy AddressPolicy) ([]events.Draft, error) {
	var d updatedData
	changed := false
	if p.URL != nil {
		if err := checkURL(policy, *p.URL); err != nil {
			return nil, err
		}
		d.URL, changed = p.URL, true
	}
	if p.EnabledEvents != nil {
		types, err := checkEnabledEvents(*p.EnabledEvents)
		if err != nil {
			return nil, err
		}
		d.EnabledEvents, changed = types, true
	}
	if p.Description != nil {
		if err := checkDescription(*p.Description); err != nil {
			return nil, err
		}
		d.Description, changed = p.Description, true
	}
	if p.Metadata != nil {
		if err := checkMetadata(*p.Metadata); err != nil {
			return nil, err
		}
		d.Metadata, changed = p.Metadata, true
	}
	if p.Ordering != nil {
		ordering, err := checkOrdering(*p.Ordering)
		if err != nil {
			return nil, err
		}
		if ordering != e.Ordering {
			d.Ordering, changed = ordering, true
		}
	}
	if p.RateLimit != nil {
		limit, err := checkRateLimit(*p.RateLimit, 0)
		if err != nil {
			return nil, err
		}
		if limit != e.RateLimit {
			d.RateLimit, changed = &limit, true
		}
	}
	if p.Disabled != nil && !*p.Disabled && e.Status == StatusDisabled {
		d.Status, changed = StatusEnabled, true
	}
	var out []events.Draft
	if changed {
		out = append(out, events.Draft{Type: EndpointUpdated, Data: d})
	}
	if p.Disabled != nil && *p.Disabled && e.Status == StatusEnabled {
		out = append(out, events.Draft{Type: EndpointDisabled, Data: disabledData{Reason: DisabledRequested}})
	}
	return out, nil
}

// Delete decides the deletion of an endpoint.
func (e *Endpoint) Delete() ([]events.Draft, error) {
	return []events.Draft{{Type: EndpointDeleted, Data: struct{}{}}}, nil
}

// RotateSecret decides a new signing secret; the current one keeps signing
// for grace (DefaultGracePeriod if zero, at most 7 days; negative ends the
// old secret at once).
func (e *Endpoint) RotateSecret(secret string, grace time.Duration, now time.Time) ([]events.Draft, error) {
	if grace > maxGracePeriod {
		return nil, facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds",
			"grace_period_seconds must be at most %d.", int(maxGracePeriod/time.Second))
	}
	return []events.Draft{{Type: EndpointSecretRotated,
		Data: rotatedData{Secret: secret, PreviousExpiresAt: now.Add(max(grace, 0)).UTC()}}}, nil
}

// Disable decides an automatic disabling (reason DisabledGone or
// DisabledFailing). Disabling a disabled endpoint decides nothing.
func (e *Endpoint) Disable(reason string, failingSince *time.Time) []events.Draft {
	if e.Status != StatusEnabled || !e.Exists() {
		return nil
	}
	return []events.Draft{{Type: EndpointDisabled, Data: disabledData{Reason: reason, FailingSince: failingSince}}}
}

func checkURL(policy AddressPolicy, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return facturo.ParamError(facturo.CodeParameterMissing, "url", "url is required.")
	}
	if _, err := policy.ValidateURL(raw); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrInvalidURL.Error()+": ")
		return &facturo.Error{Code: facturo.CodeParameterInvalid, Param: "url",
			Message: "url is not an acceptable webhook destination: " + msg + ".", Err: err}
	}
	return nil
}

// checkEnabledEvents accepts ["*"] or a list of catalogue types, and
// returns it sorted without duplicates.
func checkEnabledEvents(types []string) ([]string, error) {
	if len(types) == 0 {
		return nil, facturo.ParamError(facturo.CodeParameterMissing, "enabled_events",
			`enabled_events is required: ["*"] or a list of event types from GET /v1/event_types.`)
	}
	out := slices.Clone(types)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, t := range out {
		if t == "*" {
			if len(out) > 1 {
				return nil, facturo.ParamError(facturo.CodeParameterInvalid, "enabled_events",
					`"*" subscribes to every event type and cannot be combined with others.`)
			}
			continue
		}
		if !events.Known(t) {
			return nil, facturo.ParamError(facturo.CodeParameterInvalid, "enabled_events",
				"Unknown event type %q; see GET /v1/event_types.", t)
		}
	}
	return out, nil
}

// Orderings of an endpoint's deliveries.
const (
	OrderingParallel = "parallel"
	OrderingFIFO     = "fifo"
)

// MaxRateLimit bounds rate_limit, in deliveries per second.
const MaxRateLimit = 10000

// checkOrdering accepts "" (parallel), "parallel" and "fifo".
func checkOrdering(s string) (string, error) {
	switch s {
	case "", OrderingParallel:
		return OrderingParallel, nil
	case OrderingFIFO:
		return OrderingFIFO, nil
	}
	return "", facturo.ParamError(facturo.CodeParameterInvalid, "ordering", `ordering must be "parallel" or "fifo".`)
}

// checkRateLimit accepts a limit from least (1 on creation; 0, which
// removes it, on update) to MaxRateLimit.
func checkRateLimit(n, least int) (int, error) {
	if n < least || n > MaxRateLimit {
		return 0, facturo.ParamError(facturo.CodeParameterInvalid, "rate_limit",
			"rate_limit must be a whole number of deliveries per second from %d to %d.", least, MaxRateLimit)
	}
	return n, nil
}

func checkDescription(s string) error {
	if utf8.RuneCountInString(s) > maxDescription {
		return facturo.ParamError(facturo.CodeParameterInvalid, "description",
			"description must be at most %d characters.", maxDescription)
	}
	return nil
}

func checkMetadata(md map[string]string) error {
	if len(md) > maxMetadataKeys {
		return facturo.ParamError(facturo.CodeParameterInvalid, "metadata", "metadata has at most %d keys.", maxMetadataKeys)
	}
	for k, v := range md {
		if k == "" || len(k) > maxMetadataKey || len(v) > maxMetadataValue {
			return facturo.ParamError(facturo.CodeParameterInvalid, "metadata",
				"metadata keys must be 1 to %d characters and values at most %d.", maxMetadataKey, maxMetadataValue)
		}
	}
	return nil
}

// NewSecret returns a fresh signing secret ("whsec_" + base64 of 32 bytes).
func NewSecret() (string, error) { return stdwebhooks.NewSecret() }
