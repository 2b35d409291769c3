package client

import (
	"encoding/json"
	"time"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/webhooks"
)

// The shapes are the server's own types, so the client cannot disagree
// with the API (and with GET /v1/openapi.json, derived from the same types).
type (
	User              = accounts.UserView
	UserInput         = accounts.UserInput
	Organization      = accounts.OrganizationView
	OrganizationInput = accounts.OrganizationInput
	OrganizationPatch = accounts.OrganizationPatch
	APIKey            = accounts.KeyView
	APIKeyInput       = accounts.KeyInput
	APIKeyPatch       = accounts.KeyPatch

	// Customer is a client of the organization (named so that it does not
	// read as this package's Client).
	Customer     = invoicing.ClientView
	ClientInput  = invoicing.ClientInput
	ClientPatch  = invoicing.ClientPatch
	Address      = invoicing.Address
	Product      = invoicing.ProductView
	ProductInput = invoicing.ProductInput
	ProductPatch = invoicing.ProductPatch
	TaxInput     = invoicing.TaxInput
	Series       = invoicing.SeriesView
	SeriesInput  = invoicing.SeriesInput
	SeriesPatch  = invoicing.SeriesPatch

	Invoice         = invoicing.InvoiceView
	InvoiceInput    = invoicing.InvoiceInput
	InvoicePatch    = invoicing.InvoicePatch
	ItemInput       = invoicing.ItemInput
	ProductRef      = invoicing.ProductRef
	PaymentInput    = invoicing.PaymentInput
	CancelInput     = invoicing.CancelInput
	SendInput       = invoicing.SendInput
	CorrectionInput = invoicing.CorrectionInput
	GlobalPeriod    = invoicing.GlobalInfo
	Receipt         = invoicing.ReceiptView
	ReceiptInput    = invoicing.ReceiptInput
	Retention       = invoicing.RetentionView
	RetentionInput  = invoicing.RetentionInput

	WebhookEndpoint      = webhooks.EndpointView
	WebhookEndpointInput = webhooks.EndpointInput
	WebhookEndpointPatch = webhooks.EndpointPatch
	Delivery             = webhooks.DeliveryView
)

// UserWithKey is a new user and its secret key, shown only once.
type UserWithKey struct {
	User
	SecretKey string `json:"secret_key"`
}

// Event is the public shape of an event; webhooks deliver the same.
type Event struct {
	ID            string          `json:"id"`
	Object        string          `json:"object"`
	Type          string          `json:"type"`
	Livemode      bool            `json:"livemode"`
	Organization  string          `json:"organization"`
	CreatedAt     time.Time       `json:"created_at"`
	SchemaVersion int             `json:"schema_version"`
	Resource      string          `json:"resource"`
	Data          json.RawMessage `json:"data"`
	Request       *struct {
		ID    string `json:"id"`
		KeyID string `json:"key_id,omitempty"`
	} `json:"request"`
}

// EventType is one entry of the event catalogue.
type EventType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Account is the organization and mode of an organization key.
type Account struct {
	Object       string       `json:"object"`
	Livemode     bool         `json:"livemode"`
	Organization Organization `json:"organization"`
	Key          struct {
		ID     string   `json:"id"`
		Prefix string   `json:"prefix"`
		Scopes []string `json:"scopes"`
	} `json:"key"`
}

// Recovery is the answer to a webhook recovery request.
type Recovery struct {
	Object   string    `json:"object"`
	Endpoint string    `json:"webhook_endpoint"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Requeued int       `json:"requeued"`
}

// KeyUse is one request made with a key (its activity).
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
	Livemode  *bool     `json:"livemode"`
	IP        string    `json:"ip,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	KeyPrefix string    `json:"key_prefix,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	EventID   string    `json:"event_id,omitempty"`
}
