package client

import (
	"encoding/json"
	"time"
)

// The types of this package are the SDK's own: they mirror the request and
// response bodies of GET /v1/openapi.json field for field, and a test of the
// server (internal/httpapi) fails when the two disagree. Amounts, prices,
// quantities and rates are decimal strings ("116.00", "2", "0.16"): exact,
// and what the API answers.

// User is a person who manages organizations with a user key.
type User struct {
	ID        string    `json:"id"`     // usr_...
	Object    string    `json:"object"` // "user"
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// UserInput is the body of Users.Create (operator key).
type UserInput struct {
	Email string `json:"email"` // required, unique
	Name  string `json:"name"`
}

// UserWithKey is a new user and its secret key, shown only once.
type UserWithKey struct {
	User
	SecretKey string `json:"secret_key"` // fact_user_...: store it now
}

// UserDetail is a user with its secret key (never the secret), as
// Users.Get answers it.
type UserDetail struct {
	User
	APIKey APIKey `json:"api_key"` // the user's key: kind user, scopes ["*"]
}

// Organization is a tenant: its data, keys and webhooks are its own.
type Organization struct {
	ID          string `json:"id"` // org_...
	Object      string `json:"object"`
	Name        string `json:"name"`
	LegalName   string `json:"legal_name"`
	TaxID       string `json:"tax_id"`
	Country     string `json:"country"`      // MX or ES: the law its documents follow; never changes
	APIDisabled bool   `json:"api_disabled"` // set by the operator: every key refused
	// How its documents (PDFs) look.
	AccentColor      string    `json:"accent_color"`      // #rrggbb
	FooterText       string    `json:"footer_text"`       // at the foot of every page
	DocumentLanguage string    `json:"document_language"` // "es" or "en"
	Address          string    `json:"address"`           // the issuer's address, as printed
	Logo             *Logo     `json:"logo"`              // nil until Organizations.SetLogo
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Logo describes an organization's logo (the bytes are not returned).
type Logo struct {
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"` // image/png or image/jpeg
	Size        int    `json:"size"`         // bytes
	Width       int    `json:"width"`        // pixels
	Height      int    `json:"height"`
}

// OrganizationInput is the body of Organizations.Create (user key).
type OrganizationInput struct {
	Name      string `json:"name"` // required
	LegalName string `json:"legal_name"`
	TaxID     string `json:"tax_id"`
	Country   string `json:"country,omitempty"` // MX (the default) or ES; cannot be changed later
}

// OrganizationPatch is the body of Organizations.Update; nil fields stay as
// they are.
type OrganizationPatch struct {
	Name      *string `json:"name,omitempty"`
	LegalName *string `json:"legal_name,omitempty"`
	TaxID     *string `json:"tax_id,omitempty"`
	// Branding of the documents.
	AccentColor      *string `json:"accent_color,omitempty"`      // "#1f4e79"
	FooterText       *string `json:"footer_text,omitempty"`       // at most 500 characters
	DocumentLanguage *string `json:"document_language,omitempty"` // "es" or "en"
	Address          *string `json:"address,omitempty"`           // at most 300 characters
}

// APIKey is an organization key, or a user's secret key. Secret is set
// only in the answers to Keys.Create, Keys.Rotate and the Users' rotations.
type APIKey struct {
	ID          string     `json:"id"` // key_...
	Object      string     `json:"object"`
	Livemode    bool       `json:"livemode"` // fact_live_ (true) or fact_test_ (false)
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"` // the secret's first characters, to recognise it
	Scopes      []string   `json:"scopes"` // e.g. "invoices:write"; "*" is every scope
	IPAllowlist []string   `json:"ip_allowlist"`
	Enabled     bool       `json:"enabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
	Secret      string     `json:"secret,omitempty"`
}

// APIKeyInput is the body of Keys.Create.
type APIKeyInput struct {
	Name        string     `json:"name"`
	Mode        string     `json:"mode"`         // "live" or "test"
	Scopes      []string   `json:"scopes"`       // nil: every scope ("*"); an empty list: none
	ExpiresAt   *time.Time `json:"expires_at"`   // nil: never
	IPAllowlist []string   `json:"ip_allowlist"` // IPs or CIDRs; empty: any
}

// APIKeyPatch is the body of Keys.Update; nil fields stay as they are.
// ClearExpiresAt removes the expiry (sends expires_at as null).
type APIKeyPatch struct {
	Name        *string    `json:"name,omitempty"`
	Scopes      *[]string  `json:"scopes,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	IPAllowlist *[]string  `json:"ip_allowlist,omitempty"`
	Enabled     *bool      `json:"enabled,omitempty"`

	ClearExpiresAt bool `json:"-"`
}

// MarshalJSON writes expires_at as null when ClearExpiresAt is set, and
// leaves out every other nil field.
func (p APIKeyPatch) MarshalJSON() ([]byte, error) {
	type plain APIKeyPatch
	if !p.ClearExpiresAt {
		return json.Marshal(plain(p))
	}
	p.ExpiresAt = nil
	b, err := json.Marshal(plain(p))
	if err != nil {
		return nil, err
	}
	if string(b) == "{}" {
		return []byte(`{"expires_at":null}`), nil
	}
	return append([]byte(`{"expires_at":null,`), b[1:]...), nil
}

// Account is the organization and mode of an organization key
// (Organizations.Account).
type Account struct {
	Object       string       `json:"object"`
	Livemode     bool         `json:"livemode"`
	Organization Organization `json:"organization"`
	Key          AccountKey   `json:"key"`
}

// AccountKey is the calling key, as Account describes it.
type AccountKey struct {
	ID     string   `json:"id"`
	Prefix string   `json:"prefix"`
	Scopes []string `json:"scopes"`
}

// KeyUse is one request made with a key (Keys.Activity).
type KeyUse struct {
	Time   time.Time `json:"time"`
	IP     string    `json:"ip"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
}

// AuditEntry is one line of an organization's audit log: a key's
// lifecycle event (key.created, key.rotated...) or a failed
// authentication (auth.failed, with its reason).
type AuditEntry struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	Action    string    `json:"action"`
	CreatedAt time.Time `json:"created_at"`
	Livemode  *bool     `json:"livemode"` // nil when the mode is unknown (a failed authentication)
	IP        string    `json:"ip,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	KeyPrefix string    `json:"key_prefix,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	EventID   string    `json:"event_id,omitempty"`
}

// Event is the public shape of an event; webhooks deliver the same JSON.
type Event struct {
	ID            string    `json:"id"` // evt_...
	Object        string    `json:"object"`
	Type          string    `json:"type"` // e.g. "invoice.issued"; see Events.Types
	Livemode      bool      `json:"livemode"`
	Organization  string    `json:"organization"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int       `json:"schema_version"`
	Resource      string    `json:"resource"` // the id of the object the event is about
	// ResourceVersion is the version of Resource this event made (1 for
	// its creation): discard what is older than what you have, and a gap
	// means an event still to come. Webhooks also send both as headers.
	ResourceVersion int           `json:"resource_version"`
	Data            EventData     `json:"data"`
	Request         *EventRequest `json:"request"` // nil when no API request caused it
}

// EventData is the object an event is about. Webhook bodies are Events too.
type EventData struct {
	// Object is the object (its id is the event's Resource) as GET of it
	// answered right after the event: decode it by the type's object, e.g.
	// into an Invoice for "invoice.*" (Events.Types gives each type's
	// schema). After a deletion it is the last state with "deleted": true.
	Object json.RawMessage `json:"object"`
	// PreviousAttributes are the previous values of the top-level fields
	// the event changed, on events that changed an existing object (nil on
	// creations and deletions).
	PreviousAttributes map[string]json.RawMessage `json:"previous_attributes,omitempty"`
}

// EventRequest is the API request that caused an event.
type EventRequest struct {
	ID    string `json:"id"` // the X-Request-Id
	KeyID string `json:"key_id,omitempty"`
}

// EventType is one entry of the event catalogue.
type EventType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Object is the kind of object the type's events carry in
	// Data.Object ("invoice" for "invoice.paid").
	Object string `json:"object"`
	// Schema is the JSON Schema (2020-12) of Data.Object: a $ref into its
	// own $defs, which are the components of the OpenAPI document.
	Schema json.RawMessage `json:"schema"`
}
