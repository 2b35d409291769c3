package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

func esc(id string) string { return url.PathEscape(id) }

// Resource is a resource of an organization with create, read, update,
// delete, list and history: clients and products; invoices build on it.
type Resource[T, In, Patch any] struct {
	c    *Client
	path string
}

func (r *Resource[T, In, Patch]) Create(ctx context.Context, in In, opts ...RequestOption) (*T, error) {
	return call[T](ctx, r.c, "POST", r.path, in, opts...)
}
func (r *Resource[T, In, Patch]) Get(ctx context.Context, id string) (*T, error) {
	return call[T](ctx, r.c, "GET", r.path+"/"+esc(id), nil)
}
func (r *Resource[T, In, Patch]) Update(ctx context.Context, id string, p Patch) (*T, error) {
	return call[T](ctx, r.c, "PATCH", r.path+"/"+esc(id), p)
}
func (r *Resource[T, In, Patch]) Delete(ctx context.Context, id string) (*T, error) {
	return call[T](ctx, r.c, "DELETE", r.path+"/"+esc(id), nil)
}
func (r *Resource[T, In, Patch]) List(ctx context.Context, p ListParams) (*Page[T], error) {
	return list[T](ctx, r.c, r.path, p)
}
func (r *Resource[T, In, Patch]) All(ctx context.Context, p ListParams) iter.Seq2[T, error] {
	return all[T](ctx, r.c, r.path, p)
}

// getAsOf is the object as it was at t, for the resources whose GetAsOf
// the API serves.
func (r *Resource[T, In, Patch]) getAsOf(ctx context.Context, id string, t time.Time) (*T, error) {
	return call[T](ctx, r.c, "GET", r.path+"/"+esc(id)+"?"+asOfQuery(t), nil)
}

// asOfQuery is the query of a read as it was at t.
func asOfQuery(t time.Time) string {
	return "as_of=" + url.QueryEscape(t.UTC().Format(time.RFC3339Nano))
}

// History is every event of one object, oldest first.
func (r *Resource[T, In, Patch]) History(ctx context.Context, id string) ([]Event, error) {
	p, err := list[Event](ctx, r.c, r.path+"/"+esc(id)+"/history", ListParams{})
	if err != nil {
		return nil, err
	}
	return p.Data, nil
}

func call[T any](ctx context.Context, c *Client, method, path string, in any, opts ...RequestOption) (*T, error) {
	var out T
	if err := c.do(ctx, method, path, in, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// Users are created, read and have their secret key rotated or revoked
// with the operator key; a user key rotates or revokes itself.
type Users struct{ c *Client }

func (s *Users) Create(ctx context.Context, in UserInput, opts ...RequestOption) (*UserWithKey, error) {
	return call[UserWithKey](ctx, s.c, "POST", "/v1/users", in, opts...)
}

// Get reads a user and its secret key, without the secret (operator key).
func (s *Users) Get(ctx context.Context, id string) (*UserDetail, error) {
	return call[UserDetail](ctx, s.c, "GET", "/v1/users/"+esc(id), nil)
}

// RotateKey gives a user's secret key a new secret, in the answer only;
// the old one works for grace (nil: one day; 0: not at all). Operator key.
func (s *Users) RotateKey(ctx context.Context, id string, grace *time.Duration) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", "/v1/users/"+esc(id)+"/secret_key/rotate", graceBody(grace))
}

// RevokeKey revokes a user's secret key at once, for good (operator key).
func (s *Users) RevokeKey(ctx context.Context, id string) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", "/v1/users/"+esc(id)+"/secret_key/revoke", nil)
}

// RotateOwnKey gives the calling user key a new secret, in the answer
// only; the one the client holds works for grace (nil: one day; 0: not at
// all). Use the new secret from then on (New with it).
func (s *Users) RotateOwnKey(ctx context.Context, grace *time.Duration) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", "/v1/user/secret_key/rotate", graceBody(grace))
}

// RevokeOwnKey revokes the calling user key, for good: no request with it
// succeeds afterwards, and only the operator can tell the user's state.
func (s *Users) RevokeOwnKey(ctx context.Context) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", "/v1/user/secret_key/revoke", nil)
}

func graceBody(grace *time.Duration) map[string]any {
	body := map[string]any{}
	if grace != nil {
		body["grace_period_seconds"] = int64(grace.Seconds())
	}
	return body
}

// Organizations are managed with a user key.
type Organizations struct{ c *Client }

func (s *Organizations) Create(ctx context.Context, in OrganizationInput, opts ...RequestOption) (*Organization, error) {
	return call[Organization](ctx, s.c, "POST", "/v1/organizations", in, opts...)
}
func (s *Organizations) Get(ctx context.Context, id string) (*Organization, error) {
	return call[Organization](ctx, s.c, "GET", "/v1/organizations/"+esc(id), nil)
}
func (s *Organizations) Update(ctx context.Context, id string, p OrganizationPatch) (*Organization, error) {
	return call[Organization](ctx, s.c, "PATCH", "/v1/organizations/"+esc(id), p)
}
func (s *Organizations) List(ctx context.Context, p ListParams) (*Page[Organization], error) {
	return list[Organization](ctx, s.c, "/v1/organizations", p)
}
func (s *Organizations) All(ctx context.Context, p ListParams) iter.Seq2[Organization, error] {
	return all[Organization](ctx, s.c, "/v1/organizations", p)
}

// SetAPIAccess disables or enables an organization's API (operator key).
func (s *Organizations) SetAPIAccess(ctx context.Context, id string, disabled bool) (*Organization, error) {
	return call[Organization](ctx, s.c, "POST", "/v1/organizations/"+esc(id)+"/api_access", map[string]bool{"api_disabled": disabled})
}

// Account describes the organization and mode of the calling org key.
func (s *Organizations) Account(ctx context.Context) (*Account, error) {
	return call[Account](ctx, s.c, "GET", "/v1/account", nil)
}

// Keys are an organization's API keys, managed with a user key.
type Keys struct{ c *Client }

func keysPath(org string) string { return "/v1/organizations/" + esc(org) + "/api_keys" }

func (s *Keys) Create(ctx context.Context, org string, in APIKeyInput, opts ...RequestOption) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", keysPath(org), in, opts...)
}
func (s *Keys) Get(ctx context.Context, org, id string) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "GET", keysPath(org)+"/"+esc(id), nil)
}
func (s *Keys) Update(ctx context.Context, org, id string, p APIKeyPatch) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "PATCH", keysPath(org)+"/"+esc(id), p)
}

// Rotate issues a new secret; the old one works for grace (nil: one day).
func (s *Keys) Rotate(ctx context.Context, org, id string, grace *time.Duration) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", keysPath(org)+"/"+esc(id)+"/rotate", graceBody(grace))
}
func (s *Keys) Revoke(ctx context.Context, org, id string) (*APIKey, error) {
	return call[APIKey](ctx, s.c, "POST", keysPath(org)+"/"+esc(id)+"/revoke", nil)
}
func (s *Keys) List(ctx context.Context, org string, p ListParams) (*Page[APIKey], error) {
	return list[APIKey](ctx, s.c, keysPath(org), p)
}
func (s *Keys) All(ctx context.Context, org string, p ListParams) iter.Seq2[APIKey, error] {
	return all[APIKey](ctx, s.c, keysPath(org), p)
}

// Activity is a key's most recent requests (limit 1..100, 0 for 20).
func (s *Keys) Activity(ctx context.Context, org, id string, limit int) ([]KeyUse, error) {
	p, err := list[KeyUse](ctx, s.c, keysPath(org)+"/"+esc(id)+"/activity", ListParams{Limit: limit})
	if err != nil {
		return nil, err
	}
	return p.Data, nil
}

// AuditLog pages the organization's audit log, newest first.
func (s *Keys) AuditLog(ctx context.Context, org string, p ListParams) (*Page[AuditEntry], error) {
	return list[AuditEntry](ctx, s.c, "/v1/organizations/"+esc(org)+"/audit_log", p)
}

// SeriesService manages invoice series (gapless numbering).
type SeriesService struct {
	c    *Client
	path string
}

func (s *SeriesService) Create(ctx context.Context, in SeriesInput, opts ...RequestOption) (*Series, error) {
	return call[Series](ctx, s.c, "POST", s.path, in, opts...)
}
func (s *SeriesService) Get(ctx context.Context, id string) (*Series, error) {
	return call[Series](ctx, s.c, "GET", s.path+"/"+esc(id), nil)
}
func (s *SeriesService) Update(ctx context.Context, id string, p SeriesPatch) (*Series, error) {
	return call[Series](ctx, s.c, "PATCH", s.path+"/"+esc(id), p)
}
func (s *SeriesService) List(ctx context.Context, p ListParams) (*Page[Series], error) {
	return list[Series](ctx, s.c, s.path, p)
}
func (s *SeriesService) All(ctx context.Context, p ListParams) iter.Seq2[Series, error] {
	return all[Series](ctx, s.c, s.path, p)
}

// Invoices adds the invoice actions to the resource methods.
type Invoices struct {
	Resource[Invoice, InvoiceInput, InvoicePatch]
}

func (s *Invoices) action(ctx context.Context, id, name string, in any, opts []RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/"+name, in, opts...)
}

// GetAsOf is the invoice as it was at t.
func (s *Invoices) GetAsOf(ctx context.Context, id string, t time.Time) (*Invoice, error) {
	return s.getAsOf(ctx, id, t)
}
func (s *Invoices) Issue(ctx context.Context, id string, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "issue", nil, opts)
}
func (s *Invoices) Pay(ctx context.Context, id string, in PaymentInput, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "pay", in, opts)
}
func (s *Invoices) Void(ctx context.Context, id string, in CancelInput, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "void", in, opts)
}
func (s *Invoices) Send(ctx context.Context, id string, in SendInput, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "send", in, opts)
}
func (s *Invoices) Duplicate(ctx context.Context, id string, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "duplicate", nil, opts)
}

// Corrective issues a credit note against the invoice and returns the note.
func (s *Invoices) Corrective(ctx context.Context, id string, in CorrectionInput, opts ...RequestOption) (*Invoice, error) {
	return s.action(ctx, id, "corrective", in, opts)
}

// Receipts are sales to the general public, invoiced later.
type Receipts struct {
	c    *Client
	path string
}

func (s *Receipts) Create(ctx context.Context, in ReceiptInput, opts ...RequestOption) (*Receipt, error) {
	return call[Receipt](ctx, s.c, "POST", s.path, in, opts...)
}
func (s *Receipts) Get(ctx context.Context, id string) (*Receipt, error) {
	return call[Receipt](ctx, s.c, "GET", s.path+"/"+esc(id), nil)
}
func (s *Receipts) Cancel(ctx context.Context, id string, opts ...RequestOption) (*Receipt, error) {
	return call[Receipt](ctx, s.c, "POST", s.path+"/"+esc(id)+"/cancel", nil, opts...)
}

// Send emails the receipt with its PDF to in.To (a receipt has no client).
func (s *Receipts) Send(ctx context.Context, id string, in SendInput, opts ...RequestOption) (*Receipt, error) {
	return call[Receipt](ctx, s.c, "POST", s.path+"/"+esc(id)+"/send", in, opts...)
}

// Invoice makes the draft invoice of an open receipt for a client.
func (s *Receipts) Invoice(ctx context.Context, id, clientID string, opts ...RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/invoice", map[string]string{"client": clientID}, opts...)
}

// GlobalInvoice bundles the open receipts of a period into one invoice.
func (s *Receipts) GlobalInvoice(ctx context.Context, in GlobalPeriod, opts ...RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/global_invoice", in, opts...)
}
func (s *Receipts) List(ctx context.Context, p ListParams) (*Page[Receipt], error) {
	return list[Receipt](ctx, s.c, s.path, p)
}
func (s *Receipts) All(ctx context.Context, p ListParams) iter.Seq2[Receipt, error] {
	return all[Receipt](ctx, s.c, s.path, p)
}

// Retentions are retention certificates.
type Retentions struct {
	c    *Client
	path string
}

func (s *Retentions) Create(ctx context.Context, in RetentionInput, opts ...RequestOption) (*Retention, error) {
	return call[Retention](ctx, s.c, "POST", s.path, in, opts...)
}
func (s *Retentions) Get(ctx context.Context, id string) (*Retention, error) {
	return call[Retention](ctx, s.c, "GET", s.path+"/"+esc(id), nil)
}
func (s *Retentions) Issue(ctx context.Context, id string, opts ...RequestOption) (*Retention, error) {
	return call[Retention](ctx, s.c, "POST", s.path+"/"+esc(id)+"/issue", nil, opts...)
}
func (s *Retentions) Cancel(ctx context.Context, id string, opts ...RequestOption) (*Retention, error) {
	return call[Retention](ctx, s.c, "POST", s.path+"/"+esc(id)+"/cancel", nil, opts...)
}

// Send emails the retention with its PDF to in.To, or to its client's
// email.
func (s *Retentions) Send(ctx context.Context, id string, in SendInput, opts ...RequestOption) (*Retention, error) {
	return call[Retention](ctx, s.c, "POST", s.path+"/"+esc(id)+"/send", in, opts...)
}
func (s *Retentions) List(ctx context.Context, p ListParams) (*Page[Retention], error) {
	return list[Retention](ctx, s.c, s.path, p)
}
func (s *Retentions) All(ctx context.Context, p ListParams) iter.Seq2[Retention, error] {
	return all[Retention](ctx, s.c, s.path, p)
}

// Events reads the organization's event log.
type Events struct{ c *Client }

func (s *Events) Get(ctx context.Context, id string) (*Event, error) {
	return call[Event](ctx, s.c, "GET", "/v1/events/"+esc(id), nil)
}

// List pages the events, newest first; Filters may hold "type",
// "resource" (an object id), "created[gte]" and "created[lte]".
func (s *Events) List(ctx context.Context, p ListParams) (*Page[Event], error) {
	return list[Event](ctx, s.c, "/v1/events", p)
}
func (s *Events) All(ctx context.Context, p ListParams) iter.Seq2[Event, error] {
	return all[Event](ctx, s.c, "/v1/events", p)
}

// Types is the event catalogue.
func (s *Events) Types(ctx context.Context) ([]EventType, error) {
	p, err := list[EventType](ctx, s.c, "/v1/event_types", ListParams{})
	if err != nil {
		return nil, err
	}
	return p.Data, nil
}

// WebhookEndpoints manages endpoints and their delivery log.
type WebhookEndpoints struct{ c *Client }

const whPath = "/v1/webhook_endpoints"

// Create answers the endpoint with its signing secret, shown only here.
func (s *WebhookEndpoints) Create(ctx context.Context, in WebhookEndpointInput, opts ...RequestOption) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, s.c, "POST", whPath, in, opts...)
}
func (s *WebhookEndpoints) Get(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, s.c, "GET", whPath+"/"+esc(id), nil)
}
func (s *WebhookEndpoints) Update(ctx context.Context, id string, p WebhookEndpointPatch) (*WebhookEndpoint, error) {
	return call[WebhookEndpoint](ctx, s.c, "PATCH", whPath+"/"+esc(id), p)
}
func (s *WebhookEndpoints) Delete(ctx context.Context, id string) error {
	return s.c.do(ctx, "DELETE", whPath+"/"+esc(id), nil, nil)
}

// RotateSecret answers the new secret; the old one also signs for grace
// (nil: the server's default).
func (s *WebhookEndpoints) RotateSecret(ctx context.Context, id string, grace *time.Duration) (*WebhookEndpoint, error) {
	body := map[string]any{}
	if grace != nil {
		body["grace_period_seconds"] = int64(grace.Seconds())
	}
	return call[WebhookEndpoint](ctx, s.c, "POST", whPath+"/"+esc(id)+"/rotate_secret", body)
}
func (s *WebhookEndpoints) Ping(ctx context.Context, id string) (*Delivery, error) {
	return call[Delivery](ctx, s.c, "POST", whPath+"/"+esc(id)+"/ping", nil)
}

// Recover requeues the failed deliveries between since and until (zero:
// now).
func (s *WebhookEndpoints) Recover(ctx context.Context, id string, since, until time.Time) (*Recovery, error) {
	body := map[string]any{"since": since.UTC().Format(time.RFC3339Nano)}
	if !until.IsZero() {
		body["until"] = until.UTC().Format(time.RFC3339Nano)
	}
	return call[Recovery](ctx, s.c, "POST", whPath+"/"+esc(id)+"/recover", body)
}
func (s *WebhookEndpoints) List(ctx context.Context, p ListParams) (*Page[WebhookEndpoint], error) {
	return list[WebhookEndpoint](ctx, s.c, whPath, p)
}
func (s *WebhookEndpoints) All(ctx context.Context, p ListParams) iter.Seq2[WebhookEndpoint, error] {
	return all[WebhookEndpoint](ctx, s.c, whPath, p)
}

// Deliveries pages an endpoint's delivery log; Filters may hold status and
// event_type.
func (s *WebhookEndpoints) Deliveries(ctx context.Context, id string, p ListParams) (*Page[Delivery], error) {
	return list[Delivery](ctx, s.c, whPath+"/"+esc(id)+"/deliveries", p)
}
func (s *WebhookEndpoints) Delivery(ctx context.Context, id, delivery string) (*Delivery, error) {
	return call[Delivery](ctx, s.c, "GET", whPath+"/"+esc(id)+"/deliveries/"+esc(delivery), nil)
}
func (s *WebhookEndpoints) Resend(ctx context.Context, id, delivery string) (*Delivery, error) {
	return call[Delivery](ctx, s.c, "POST", whPath+"/"+esc(id)+"/deliveries/"+esc(delivery)+"/resend", nil)
}

// RecurringInvoices adds pause, resume, generate and preview to the
// resource methods.
type RecurringInvoices struct {
	Resource[RecurringInvoice, RecurringInvoiceInput, RecurringInvoicePatch]
}

func (s *RecurringInvoices) Pause(ctx context.Context, id string, opts ...RequestOption) (*RecurringInvoice, error) {
	return call[RecurringInvoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/pause", nil, opts...)
}

// Resume goes on from the first period at or after now.
func (s *RecurringInvoices) Resume(ctx context.Context, id string, opts ...RequestOption) (*RecurringInvoice, error) {
	return call[RecurringInvoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/resume", nil, opts...)
}

// Generate makes the invoice now, outside the schedule, and returns it.
func (s *RecurringInvoices) Generate(ctx context.Context, id string, opts ...RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/generate", nil, opts...)
}

// Preview is when the next count (1..100) scheduled periods fall.
func (s *RecurringInvoices) Preview(ctx context.Context, id string, count int) (*RecurringPreview, error) {
	return call[RecurringPreview](ctx, s.c, "GET", s.path+"/"+esc(id)+"/preview?count="+strconv.Itoa(count), nil)
}

// GetAsOf is the recurring invoice as it was at t.
func (s *RecurringInvoices) GetAsOf(ctx context.Context, id string, t time.Time) (*RecurringInvoice, error) {
	return s.getAsOf(ctx, id, t)
}

// Quotes adds the quote actions to the resource methods.
type Quotes struct {
	Resource[Quote, QuoteInput, QuotePatch]
}

func (s *Quotes) action(ctx context.Context, id, name string, in any, opts []RequestOption) (*Quote, error) {
	return call[Quote](ctx, s.c, "POST", s.path+"/"+esc(id)+"/"+name, in, opts...)
}

// GetAsOf is the quote as it was at t.
func (s *Quotes) GetAsOf(ctx context.Context, id string, t time.Time) (*Quote, error) {
	return s.getAsOf(ctx, id, t)
}

// Send emails the quote (to its client's email unless in.To says); the
// first send numbers a draft and opens its public link (Quote.PublicURL).
func (s *Quotes) Send(ctx context.Context, id string, in SendInput, opts ...RequestOption) (*Quote, error) {
	return s.action(ctx, id, "send", in, opts)
}
func (s *Quotes) Accept(ctx context.Context, id string, opts ...RequestOption) (*Quote, error) {
	return s.action(ctx, id, "accept", nil, opts)
}
func (s *Quotes) Reject(ctx context.Context, id string, in AnswerInput, opts ...RequestOption) (*Quote, error) {
	return s.action(ctx, id, "reject", in, opts)
}

// Convert makes the invoice of an accepted quote, once, and returns it.
func (s *Quotes) Convert(ctx context.Context, id string, in ConvertInput, opts ...RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/convert", in, opts...)
}

// PublicQuotes are the calls a quote's client makes through its public
// link (Quote.PublicURL): no key is needed, the path is the credential.
type PublicQuotes struct{ c *Client }

// Get reads the quote at publicURL (e.g. "/public/quotes/ABC...").
func (s *PublicQuotes) Get(ctx context.Context, publicURL string) (*PublicQuote, error) {
	return call[PublicQuote](ctx, s.c, "GET", publicURL, nil)
}
func (s *PublicQuotes) Accept(ctx context.Context, publicURL string) (*PublicQuote, error) {
	return call[PublicQuote](ctx, s.c, "POST", publicURL+"/accept", nil)
}
func (s *PublicQuotes) Reject(ctx context.Context, publicURL string, in AnswerInput) (*PublicQuote, error) {
	return call[PublicQuote](ctx, s.c, "POST", publicURL+"/reject", in)
}

// Proformas adds the pro-forma invoice actions to the resource methods.
type Proformas struct {
	Resource[Proforma, ProformaInput, ProformaPatch]
}

func (s *Proformas) action(ctx context.Context, id, name string, opts []RequestOption) (*Proforma, error) {
	return call[Proforma](ctx, s.c, "POST", s.path+"/"+esc(id)+"/"+name, nil, opts...)
}

// GetAsOf is the proforma as it was at t.
func (s *Proformas) GetAsOf(ctx context.Context, id string, t time.Time) (*Proforma, error) {
	return s.getAsOf(ctx, id, t)
}
func (s *Proformas) Issue(ctx context.Context, id string, opts ...RequestOption) (*Proforma, error) {
	return s.action(ctx, id, "issue", opts)
}

// Send emails an issued proforma (to its client's email unless in.To
// says).
func (s *Proformas) Send(ctx context.Context, id string, in SendInput, opts ...RequestOption) (*Proforma, error) {
	return call[Proforma](ctx, s.c, "POST", s.path+"/"+esc(id)+"/send", in, opts...)
}
func (s *Proformas) Cancel(ctx context.Context, id string, opts ...RequestOption) (*Proforma, error) {
	return s.action(ctx, id, "cancel", opts)
}

// Convert makes the invoice of an issued proforma, once, and returns it.
func (s *Proformas) Convert(ctx context.Context, id string, in ConvertInput, opts ...RequestOption) (*Invoice, error) {
	return call[Invoice](ctx, s.c, "POST", s.path+"/"+esc(id)+"/convert", in, opts...)
}
