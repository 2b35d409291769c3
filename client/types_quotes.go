package client

import "time"

// Quote is an offer to a client before an invoice: draft → sent →
// accepted | rejected | expired; accepted → converted (into an invoice,
// once). Not a fiscal document.
type Quote struct {
	ID            string            `json:"id"` // quo_...
	Object        string            `json:"object"`
	Livemode      bool              `json:"livemode"`
	CreatedAt     *time.Time        `json:"created_at"`
	UpdatedAt     *time.Time        `json:"updated_at"`
	Status        string            `json:"status"`
	Client        string            `json:"client"`
	ClientDetails ClientSnapshot    `json:"client_details"`
	Currency      string            `json:"currency"`
	Exchange      string            `json:"exchange"`
	Items         []Line            `json:"items"`
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	Totals
	ExpiresAt     *time.Time   `json:"expires_at"`
	FolioNumber   *int64       `json:"folio_number"` // set once sent
	Number        *string      `json:"number"`       // "Q-" + folio, set once sent
	SentAt        *time.Time   `json:"sent_at"`
	PublicURL     *string      `json:"public_url"` // the path of the public accept/reject link, once sent
	LinkExpiresAt *time.Time   `json:"link_expires_at"`
	Answer        *QuoteAnswer `json:"answer"` // who accepted or rejected it, how and when
	ExpiredAt     *time.Time   `json:"expired_at"`
	Invoice       *string      `json:"invoice"` // the invoice it was converted into
	LastSend      *SendRecord  `json:"last_send"`
	Deleted       bool         `json:"deleted,omitempty"`
}

// QuoteAnswer records an acceptance or rejection.
type QuoteAnswer struct {
	Via    string    `json:"via"` // "public_link" or "api"
	IP     string    `json:"ip"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// QuoteInput is the body of Quotes.Create: a draft.
type QuoteInput struct {
	Client    string            `json:"client"`
	Currency  string            `json:"currency,omitempty"` // default MXN
	Exchange  string            `json:"exchange,omitempty"` // required unless MXN
	Items     []ItemInput       `json:"items"`
	Notes     string            `json:"notes,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	ExpiresAt *time.Time        `json:"expires_at,omitempty"`
}

// QuotePatch is the body of Quotes.Update (a draft); nil fields stay.
type QuotePatch struct {
	Client    *string           `json:"client,omitempty"`
	Currency  *string           `json:"currency,omitempty"`
	Exchange  *string           `json:"exchange,omitempty"`
	Items     *[]ItemInput      `json:"items,omitempty"`
	Notes     *string           `json:"notes,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	ExpiresAt *time.Time        `json:"expires_at,omitempty"`
}

// AnswerInput is the body of a rejection.
type AnswerInput struct {
	Reason string `json:"reason,omitempty"`
}

// ConvertInput is the body of Quotes.Convert: the invoice's terms, and
// whether to issue it at once (default: a draft).
type ConvertInput struct {
	Issue         bool   `json:"issue,omitempty"`
	Series        string `json:"series,omitempty"`
	PaymentForm   string `json:"payment_form,omitempty"` // required with PUE
	PaymentMethod string `json:"payment_method,omitempty"`
	Use           string `json:"use,omitempty"`
}

// PublicQuote is what a quote's public link shows its client.
type PublicQuote struct {
	Object     string         `json:"object"`
	Number     string         `json:"number"`
	Status     string         `json:"status"`
	Client     ClientSnapshot `json:"client"`
	Currency   string         `json:"currency"`
	Items      []Line         `json:"items"`
	Notes      string         `json:"notes"`
	ExpiresAt  *time.Time     `json:"expires_at"`
	SentAt     *time.Time     `json:"sent_at"`
	AnsweredAt *time.Time     `json:"answered_at"`
	Totals
}

// Proforma is a pro-forma invoice: draft → issued → converted (into an
// invoice, once) | canceled. Not a fiscal document (Fiscal is false).
type Proforma struct {
	ID            string            `json:"id"` // pfi_...
	Object        string            `json:"object"`
	Livemode      bool              `json:"livemode"`
	CreatedAt     *time.Time        `json:"created_at"`
	UpdatedAt     *time.Time        `json:"updated_at"`
	Status        string            `json:"status"`
	Fiscal        bool              `json:"fiscal"`
	Client        string            `json:"client"`
	ClientDetails ClientSnapshot    `json:"client_details"`
	Currency      string            `json:"currency"`
	Exchange      string            `json:"exchange"`
	Items         []Line            `json:"items"`
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	Totals
	FolioNumber *int64      `json:"folio_number"` // set once issued
	Number      *string     `json:"number"`       // "PF-" + folio, set once issued
	IssuedAt    *time.Time  `json:"issued_at"`
	CanceledAt  *time.Time  `json:"canceled_at"`
	Invoice     *string     `json:"invoice"` // the invoice it was converted into
	LastSend    *SendRecord `json:"last_send"`
	Deleted     bool        `json:"deleted,omitempty"`
}

// ProformaInput is the body of Proformas.Create: a draft.
type ProformaInput struct {
	Client   string            `json:"client"`
	Currency string            `json:"currency,omitempty"`
	Exchange string            `json:"exchange,omitempty"`
	Items    []ItemInput       `json:"items"`
	Notes    string            `json:"notes,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// ProformaPatch is the body of Proformas.Update (a draft); nil fields stay.
type ProformaPatch struct {
	Client   *string           `json:"client,omitempty"`
	Currency *string           `json:"currency,omitempty"`
	Exchange *string           `json:"exchange,omitempty"`
	Items    *[]ItemInput      `json:"items,omitempty"`
	Notes    *string           `json:"notes,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}
