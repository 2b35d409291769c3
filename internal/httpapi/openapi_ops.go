package httpapi

import (
	"net/http"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/facturo/facturo/webhooks"
)

// opDoc documents one route. The route table (Server.Routes) stays the
// authority on paths, methods, auth and scopes; this adds what a caller
// needs to know about bodies. TestOpenAPICoversEveryRoute fails for a route
// without an entry here, and for an entry without a route.
type opDoc struct {
	summary string
	tag     string
	in      any    // request body (a zero value), nil when the route takes none
	out     any    // response body, or the element of a list
	status  int    // success status; 200 when zero
	list    bool   // out is the element of a list envelope
	paged   bool   // the list takes limit, starting_after, ending_before
	query   []qDoc // other query parameters (see qDoc)
	// eventStream: the answer is text/event-stream, each event's data
	// an out; the request may carry Last-Event-ID.
	eventStream bool
	// upload lists the media types of a raw request body (a logo), in
	// place of in; binary is the media type of a raw answer (a PDF) in
	// place of out.
	upload []string
	binary string
	errors []int // error statuses besides the ones every route of its kind has
}

// Doc-only shapes of answers the handlers build as maps.
type (
	statusDoc struct {
		Status string `json:"status"`
	}
	accountKeyDoc struct {
		ID     string   `json:"id"`
		Prefix string   `json:"prefix"`
		Scopes []string `json:"scopes"`
	}
	accountDoc struct {
		Object       string                    `json:"object"`
		Livemode     bool                      `json:"livemode"`
		Organization accounts.OrganizationView `json:"organization"`
		Key          accountKeyDoc             `json:"key"`
	}
	apiRootDoc struct {
		Object         string           `json:"object"`
		Kind           string           `json:"kind"`
		Livemode       bool             `json:"livemode"`
		Key            string           `json:"key"`
		Scopes         []string         `json:"scopes"`
		Resources      []resourceAccess `json:"resources"`
		Routes         []string         `json:"routes"`
		ScopeCatalogue []auth.ScopeInfo `json:"scope_catalogue"`
	}
	deletedDoc struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Deleted bool   `json:"deleted"`
	}
	emptyDoc struct{}
)

// statusFilters are the filters of a list of documents whose status is
// one of statuses.
func statusFilters(statuses ...string) []qDoc {
	return []qDoc{
		{name: "status", desc: "Only objects in this status.", enum: statuses},
		{name: "client", desc: "Only documents of this client id."},
		{name: "series", desc: "Only documents of this series code."},
		{name: "created[gte]", desc: "Created at or after (RFC 3339; unix seconds are accepted too).", kind: qTime},
		{name: "created[lte]", desc: "Created at or before (RFC 3339; unix seconds are accepted too).", kind: qTime},
	}
}

var (
	// eventFilters are the filters of the events log.
	eventFilters = []qDoc{
		{name: "type", desc: "Only events of this type."},
		{name: "resource", desc: "Only events about this object id (their `resource`)."},
		{name: "created[gte]", desc: "Created at or after (RFC 3339; unix seconds are accepted too).", kind: qTime},
		{name: "created[lte]", desc: "Created at or before (RFC 3339; unix seconds are accepted too).", kind: qTime},
	}
	asOf = []qDoc{{name: "as_of", desc: "The invoice as it was at this moment (RFC 3339; unix seconds are accepted too).", kind: qTime}}
	// deliveryFilters are the filters of the delivery log.
	deliveryFilters = []qDoc{
		{name: "status", desc: "Only deliveries in this status.", enum: []string{webhooks.DeliveryPending, webhooks.DeliverySucceeded, webhooks.DeliveryFailed, webhooks.DeliverySkipped}},
		{name: "event_type", desc: "Only deliveries of this event type."},
	}
)

// asOfQuery is the as_of parameter of a retrieve that takes one.
func asOfQuery(kind string) []qDoc {
	return []qDoc{{name: "as_of", desc: "The " + kind + " as it was at this moment (RFC 3339; unix seconds are accepted too).", kind: qTime}}
}

// operations documents every route, by "METHOD path".
var operations = map[string]opDoc{
	"GET /healthz":         {summary: "The process is alive", tag: "Health", out: statusDoc{}},
	"GET /readyz":          {summary: "PostgreSQL and NATS are reachable and migrations applied", tag: "Health", out: statusDoc{}},
	"GET /v1/openapi.json": {summary: "This document", tag: "Health", out: map[string]any{}},
	"GET /v1":              {summary: "What the calling key may do (any valid key, whatever its scopes)", tag: "Account", out: apiRootDoc{}},
	"GET /v1/event_types":  {summary: "The event catalogue: each type with the JSON Schema of its data.object", tag: "Events", out: EventTypeView{}, list: true},
	"GET /v1/account":      {summary: "The organization and mode of the calling key", tag: "Account", out: accountDoc{}},

	"POST /v1/users":                        {summary: "Create a user and its secret key (shown once)", tag: "Users", in: accounts.UserInput{}, out: userCreated{}, status: 201},
	"GET /v1/users/{id}":                    {summary: "Retrieve a user and its secret key (operator)", tag: "Users", out: userDetail{}},
	"POST /v1/users/{id}/secret_key/rotate": {summary: "Rotate a user's secret key (operator; the new secret is shown once, the old one works for the grace period)", tag: "Users", in: rotateInput{}, out: accounts.KeyView{}},
	"POST /v1/users/{id}/secret_key/revoke": {summary: "Revoke a user's secret key (operator)", tag: "Users", in: emptyDoc{}, out: accounts.KeyView{}},
	"POST /v1/user/secret_key/rotate":       {summary: "Rotate the calling user key (the new secret is shown once, the old one works for the grace period)", tag: "Users", in: rotateInput{}, out: accounts.KeyView{}},
	"POST /v1/user/secret_key/revoke":       {summary: "Revoke the calling user key, for good", tag: "Users", in: emptyDoc{}, out: accounts.KeyView{}},

	"POST /v1/organizations":                 {summary: "Create an organization", tag: "Organizations", in: accounts.OrganizationInput{}, out: accounts.OrganizationView{}, status: 201},
	"GET /v1/organizations":                  {summary: "List the user's organizations", tag: "Organizations", out: accounts.OrganizationView{}, list: true, paged: true},
	"GET /v1/organizations/{id}":             {summary: "Retrieve an organization", tag: "Organizations", out: accounts.OrganizationView{}},
	"PATCH /v1/organizations/{id}":           {summary: "Update an organization", tag: "Organizations", in: accounts.OrganizationPatch{}, out: accounts.OrganizationView{}},
	"PUT /v1/organizations/{id}/logo":        {summary: "Upload the logo printed on the organization's documents (PNG or JPEG, at most 512 KB, the raw bytes as the body)", tag: "Organizations", upload: []string{"image/png", "image/jpeg"}, out: accounts.OrganizationView{}, errors: []int{413, 415}},
	"POST /v1/organizations/{id}/api_access": {summary: "Disable or enable an organization's API access (operator)", tag: "Organizations", in: accessInput{}, out: accounts.OrganizationView{}},

	"POST /v1/organizations/{org}/api_keys":                        {summary: "Create a key (the secret is shown once)", tag: "API keys", in: accounts.KeyInput{}, out: accounts.KeyView{}, status: 201},
	"GET /v1/organizations/{org}/api_keys":                         {summary: "List keys", tag: "API keys", out: accounts.KeyView{}, list: true, paged: true},
	"GET /v1/organizations/{org}/api_keys/{id}":                    {summary: "Retrieve a key", tag: "API keys", out: accounts.KeyView{}},
	"PATCH /v1/organizations/{org}/api_keys/{id}":                  {summary: "Update a key", tag: "API keys", in: accounts.KeyPatch{}, out: accounts.KeyView{}},
	"POST /v1/organizations/{org}/api_keys/{id}/rotate":            {summary: "Rotate a key's secret (the old one works for the grace period)", tag: "API keys", in: rotateInput{}, out: accounts.KeyView{}},
	"POST /v1/organizations/{org}/api_keys/{id}/revoke":            {summary: "Revoke a key", tag: "API keys", in: emptyDoc{}, out: accounts.KeyView{}},
	"GET /v1/organizations/{org}/api_keys/{id}/activity":           {summary: "A key's recent requests", tag: "API keys", out: auth.KeyUse{}, list: true, query: []qDoc{{name: "limit", desc: "How many, 1..100 (default 20).", kind: qInt, min: 1, max: 100, dflt: 20}}},
	"GET /v1/organizations/{org}/audit_log":                        {summary: "Key lifecycle and authentication failures", tag: "API keys", out: postgres.AuditEntry{}, list: true, paged: true},
	"POST /v1/clients":                                             {summary: "Create a client", tag: "Clients", in: invoicing.ClientInput{}, out: invoicing.ClientView{}, status: 201},
	"GET /v1/clients":                                              {summary: "List clients", tag: "Clients", out: invoicing.ClientView{}, list: true, paged: true},
	"GET /v1/clients/{id}":                                         {summary: "Retrieve a client", tag: "Clients", out: invoicing.ClientView{}},
	"PATCH /v1/clients/{id}":                                       {summary: "Update a client", tag: "Clients", in: invoicing.ClientPatch{}, out: invoicing.ClientView{}},
	"DELETE /v1/clients/{id}":                                      {summary: "Delete a client", tag: "Clients", out: invoicing.ClientView{}},
	"GET /v1/clients/{id}/history":                                 {summary: "Every event of a client, oldest first", tag: "Clients", out: EventView{}, list: true},
	"POST /v1/products":                                            {summary: "Create a product", tag: "Products", in: invoicing.ProductInput{}, out: invoicing.ProductView{}, status: 201},
	"GET /v1/products":                                             {summary: "List products", tag: "Products", out: invoicing.ProductView{}, list: true, paged: true},
	"GET /v1/products/{id}":                                        {summary: "Retrieve a product", tag: "Products", out: invoicing.ProductView{}},
	"PATCH /v1/products/{id}":                                      {summary: "Update a product", tag: "Products", in: invoicing.ProductPatch{}, out: invoicing.ProductView{}},
	"DELETE /v1/products/{id}":                                     {summary: "Delete a product", tag: "Products", out: invoicing.ProductView{}},
	"GET /v1/products/{id}/history":                                {summary: "Every event of a product, oldest first", tag: "Products", out: EventView{}, list: true},
	"POST /v1/tax_rates":                                           {summary: "Create a tax rate", tag: "Tax rates", in: invoicing.TaxRateInput{}, out: invoicing.TaxRateView{}, status: 201},
	"GET /v1/tax_rates":                                            {summary: "List tax rates", tag: "Tax rates", out: invoicing.TaxRateView{}, list: true, paged: true},
	"GET /v1/tax_rates/{id}":                                       {summary: "Retrieve a tax rate, now or as of a moment", tag: "Tax rates", out: invoicing.TaxRateView{}, query: asOfQuery("tax rate")},
	"PATCH /v1/tax_rates/{id}":                                     {summary: "Update a tax rate (documents keep the copy they took)", tag: "Tax rates", in: invoicing.TaxRatePatch{}, out: invoicing.TaxRateView{}},
	"DELETE /v1/tax_rates/{id}":                                    {summary: "Delete a tax rate (documents keep the copy they took)", tag: "Tax rates", out: invoicing.TaxRateView{}},
	"GET /v1/tax_rates/{id}/history":                               {summary: "Every event of a tax rate, oldest first", tag: "Tax rates", out: EventView{}, list: true},
	"GET /v1/events":                                               {summary: "List events, newest first", tag: "Events", out: EventView{}, list: true, paged: true, query: eventFilters},
	"GET /v1/events/stream":                                        {summary: "Follow events as server-sent events (id: the relay cursor; resume with Last-Event-ID)", tag: "Events", out: EventView{}, eventStream: true},
	"GET /v1/verifactu/records":                                    {summary: "The VeriFactu record chain of a period, in chain order", tag: "VeriFactu", out: verifactu.RecordView{}, list: true, query: verifactuQuery},
	"GET /v1/events/{id}":                                          {summary: "Retrieve an event", tag: "Events", out: EventView{}},
	"POST /v1/webhook_endpoints":                                   {summary: "Create a webhook endpoint (the secret is shown once)", tag: "Webhooks", in: webhooks.EndpointInput{}, out: webhooks.EndpointView{}, status: 201},
	"GET /v1/webhook_endpoints":                                    {summary: "List webhook endpoints", tag: "Webhooks", out: webhooks.EndpointView{}, list: true, paged: true},
	"GET /v1/webhook_endpoints/{id}":                               {summary: "Retrieve a webhook endpoint", tag: "Webhooks", out: webhooks.EndpointView{}},
	"PATCH /v1/webhook_endpoints/{id}":                             {summary: "Update a webhook endpoint", tag: "Webhooks", in: webhooks.EndpointPatch{}, out: webhooks.EndpointView{}},
	"DELETE /v1/webhook_endpoints/{id}":                            {summary: "Delete a webhook endpoint", tag: "Webhooks", out: deletedDoc{}},
	"POST /v1/webhook_endpoints/{id}/rotate_secret":                {summary: "Rotate the signing secret (both sign during the grace period)", tag: "Webhooks", in: rotateSecretInput{}, out: webhooks.EndpointView{}},
	"POST /v1/webhook_endpoints/{id}/ping":                         {summary: "Send a test event to the endpoint", tag: "Webhooks", in: emptyDoc{}, out: webhooks.DeliveryView{}, status: 202},
	"POST /v1/webhook_endpoints/{id}/recover":                      {summary: "Requeue the failed deliveries of a period", tag: "Webhooks", in: recoverInput{}, out: recoveryView{}, status: 202},
	"GET /v1/webhook_endpoints/{id}/deliveries":                    {summary: "The delivery log", tag: "Webhooks", out: webhooks.DeliveryView{}, list: true, paged: true, query: deliveryFilters},
	"GET /v1/webhook_endpoints/{id}/deliveries/{delivery}":         {summary: "Retrieve a delivery with its attempts", tag: "Webhooks", out: webhooks.DeliveryView{}},
	"POST /v1/webhook_endpoints/{id}/deliveries/{delivery}/resend": {summary: "Deliver again", tag: "Webhooks", in: emptyDoc{}, out: webhooks.DeliveryView{}, status: 202},

	"POST /v1/series":                   {summary: "Create a series (gapless numbering)", tag: "Series", in: invoicing.SeriesInput{}, out: invoicing.SeriesView{}, status: 201},
	"GET /v1/series":                    {summary: "List series", tag: "Series", out: invoicing.SeriesView{}, list: true, paged: true},
	"GET /v1/series/{id}":               {summary: "Retrieve a series", tag: "Series", out: invoicing.SeriesView{}},
	"PATCH /v1/series/{id}":             {summary: "Change the prefix or move the counter forward", tag: "Series", in: invoicing.SeriesPatch{}, out: invoicing.SeriesView{}},
	"GET /v1/series/{id}/history":       {summary: "Every event of a series, oldest first", tag: "Series", out: EventView{}, list: true},
	"POST /v1/invoices":                 {summary: "Create a draft invoice", tag: "Invoices", in: invoicing.InvoiceInput{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/invoices":                  {summary: "List invoices", tag: "Invoices", out: invoicing.InvoiceView{}, list: true, paged: true, query: statusFilters(invoicing.StatusDraft, invoicing.StatusValid, invoicing.StatusPaid, invoicing.StatusCanceled)},
	"GET /v1/invoices/{id}":             {summary: "Retrieve an invoice, now or as of a moment", tag: "Invoices", out: invoicing.InvoiceView{}, query: asOf},
	"PATCH /v1/invoices/{id}":           {summary: "Update a draft", tag: "Invoices", in: invoicing.InvoicePatch{}, out: invoicing.InvoiceView{}},
	"DELETE /v1/invoices/{id}":          {summary: "Delete a draft", tag: "Invoices", out: invoicing.InvoiceView{}},
	"POST /v1/invoices/{id}/issue":      {summary: "Issue a draft: takes the series' next number", tag: "Invoices", in: emptyDoc{}, out: invoicing.InvoiceView{}},
	"POST /v1/invoices/{id}/pay":        {summary: "Record a payment (partial or whole)", tag: "Invoices", in: invoicing.PaymentInput{}, out: invoicing.InvoiceView{}},
	"POST /v1/invoices/{id}/void":       {summary: "Cancel an issued invoice", tag: "Invoices", in: invoicing.CancelInput{}, out: invoicing.InvoiceView{}},
	"POST /v1/invoices/{id}/send":       {summary: "Email the invoice with its PDF (recorded as skipped in test mode; the outcome shows in last_send)", tag: "Invoices", in: invoicing.SendInput{}, out: invoicing.InvoiceView{}},
	"POST /v1/invoices/{id}/duplicate":  {summary: "A new draft with the same content", tag: "Invoices", in: emptyDoc{}, out: invoicing.InvoiceView{}, status: 201},
	"POST /v1/invoices/{id}/corrective": {summary: "Issue a credit note against the invoice; answers the note", tag: "Invoices", in: invoicing.CorrectionInput{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/invoices/{id}/history":     {summary: "Every event of an invoice, oldest first", tag: "Invoices", out: EventView{}, list: true},

	"POST /v1/receipts":                {summary: "Create a receipt", tag: "Receipts", in: invoicing.ReceiptInput{}, out: invoicing.ReceiptView{}, status: 201},
	"GET /v1/receipts":                 {summary: "List receipts", tag: "Receipts", out: invoicing.ReceiptView{}, list: true, paged: true, query: statusFilters(invoicing.ReceiptOpen, invoicing.ReceiptInvoicedToCustomer, invoicing.ReceiptInvoicedGlobally, invoicing.ReceiptCanceledStatus)},
	"POST /v1/receipts/global_invoice": {summary: "Bundle a period's open receipts into a global invoice", tag: "Receipts", in: invoicing.GlobalInfo{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/receipts/{id}":            {summary: "Retrieve a receipt", tag: "Receipts", out: invoicing.ReceiptView{}},
	"POST /v1/receipts/{id}/invoice":   {summary: "Invoice an open receipt to a client; answers the invoice", tag: "Receipts", in: command.ReceiptInvoiceInput{}, out: invoicing.InvoiceView{}, status: 201},
	"POST /v1/receipts/{id}/cancel":    {summary: "Cancel an open receipt", tag: "Receipts", in: emptyDoc{}, out: invoicing.ReceiptView{}},
	"POST /v1/receipts/{id}/send":      {summary: "Email the receipt with its PDF to the addresses in to (recorded as skipped in test mode; the outcome shows in last_send)", tag: "Receipts", in: invoicing.ReceiptSendInput{}, out: invoicing.ReceiptView{}},
	"GET /v1/receipts/{id}/history":    {summary: "Every event of a receipt, oldest first", tag: "Receipts", out: EventView{}, list: true},

	"POST /v1/retentions":             {summary: "Create a retention certificate draft", tag: "Retentions", in: invoicing.RetentionInput{}, out: invoicing.RetentionView{}, status: 201},
	"GET /v1/retentions":              {summary: "List retentions", tag: "Retentions", out: invoicing.RetentionView{}, list: true, paged: true, query: statusFilters(invoicing.StatusDraft, invoicing.StatusValid, invoicing.StatusCanceled)},
	"GET /v1/retentions/{id}":         {summary: "Retrieve a retention", tag: "Retentions", out: invoicing.RetentionView{}},
	"POST /v1/retentions/{id}/issue":  {summary: "Issue a retention", tag: "Retentions", in: emptyDoc{}, out: invoicing.RetentionView{}},
	"POST /v1/retentions/{id}/cancel": {summary: "Cancel a retention", tag: "Retentions", in: emptyDoc{}, out: invoicing.RetentionView{}},
	"POST /v1/retentions/{id}/send":   {summary: "Email the retention with its PDF (recorded as skipped in test mode; the outcome shows in last_send)", tag: "Retentions", in: invoicing.SendInput{}, out: invoicing.RetentionView{}},
	"GET /v1/retentions/{id}/history": {summary: "Every event of a retention, oldest first", tag: "Retentions", out: EventView{}, list: true},

	"POST /v1/recurring_invoices":               {summary: "Create a recurring invoice: an invoice the worker makes at each period of a schedule", tag: "Recurring invoices", in: invoicing.RecurringInvoiceInput{}, out: invoicing.RecurringInvoiceView{}, status: 201},
	"GET /v1/recurring_invoices":                {summary: "List recurring invoices", tag: "Recurring invoices", out: invoicing.RecurringInvoiceView{}, list: true, paged: true, query: statusFilters(invoicing.RecurringActive, invoicing.RecurringPausedNow, invoicing.RecurringCompleted)},
	"GET /v1/recurring_invoices/{id}":           {summary: "Retrieve a recurring invoice, now or as of a moment", tag: "Recurring invoices", out: invoicing.RecurringInvoiceView{}, query: []qDoc{{name: "as_of", desc: "The recurring invoice as it was at this moment (RFC 3339; unix seconds are accepted too).", kind: qTime}}},
	"PATCH /v1/recurring_invoices/{id}":         {summary: "Change the invoice, the end of the schedule, or whether invoices are issued and sent", tag: "Recurring invoices", in: invoicing.RecurringInvoicePatch{}, out: invoicing.RecurringInvoiceView{}},
	"DELETE /v1/recurring_invoices/{id}":        {summary: "Delete a recurring invoice (the invoices it made stay)", tag: "Recurring invoices", out: invoicing.RecurringInvoiceView{}},
	"POST /v1/recurring_invoices/{id}/pause":    {summary: "Pause: no invoice is made until it is resumed", tag: "Recurring invoices", in: emptyDoc{}, out: invoicing.RecurringInvoiceView{}},
	"POST /v1/recurring_invoices/{id}/resume":   {summary: "Resume from the first period at or after now (the paused periods are skipped)", tag: "Recurring invoices", in: emptyDoc{}, out: invoicing.RecurringInvoiceView{}},
	"POST /v1/recurring_invoices/{id}/generate": {summary: "Make the invoice now, outside the schedule (which does not move); answers the invoice", tag: "Recurring invoices", in: emptyDoc{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/recurring_invoices/{id}/preview":   {summary: "When the next scheduled periods fall", tag: "Recurring invoices", out: RecurringPreview{}, query: []qDoc{{name: "count", desc: "How many periods, 1..100 (default 5).", kind: qInt, min: 1, max: 100, dflt: 5}}},
	"GET /v1/recurring_invoices/{id}/history":   {summary: "Every event of a recurring invoice, oldest first", tag: "Recurring invoices", out: EventView{}, list: true},
	"POST /v1/quotes":                           {summary: "Create a draft quote", tag: "Quotes", in: invoicing.QuoteInput{}, out: invoicing.QuoteView{}, status: 201},
	"GET /v1/quotes":                            {summary: "List quotes", tag: "Quotes", out: invoicing.QuoteView{}, list: true, paged: true, query: statusFilters(invoicing.QuoteDraft, invoicing.QuoteSentState, invoicing.QuoteAccept, invoicing.QuoteReject, invoicing.QuoteExpire, invoicing.QuoteConvert)},
	"GET /v1/quotes/{id}":                       {summary: "Retrieve a quote, now or as of a moment", tag: "Quotes", out: invoicing.QuoteView{}, query: asOfQuery("quote")},
	"PATCH /v1/quotes/{id}":                     {summary: "Update a draft quote", tag: "Quotes", in: invoicing.QuotePatch{}, out: invoicing.QuoteView{}},
	"DELETE /v1/quotes/{id}":                    {summary: "Delete a draft quote", tag: "Quotes", out: invoicing.QuoteView{}},
	"POST /v1/quotes/{id}/send":                 {summary: "Email the quote with its PDF (recorded as skipped in test mode; the outcome shows in last_send); the first send numbers a draft and opens its public accept/reject link (public_url)", tag: "Quotes", in: invoicing.SendInput{}, out: invoicing.QuoteView{}},
	"POST /v1/quotes/{id}/accept":               {summary: "Record that the client accepted a sent quote", tag: "Quotes", in: emptyDoc{}, out: invoicing.QuoteView{}},
	"POST /v1/quotes/{id}/reject":               {summary: "Record that the client rejected a sent quote", tag: "Quotes", in: invoicing.AnswerInput{}, out: invoicing.QuoteView{}},
	"POST /v1/quotes/{id}/convert":              {summary: "Convert an accepted quote into an invoice, once (a draft, or issued); answers the invoice", tag: "Quotes", in: invoicing.ConvertInput{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/quotes/{id}/history":               {summary: "Every event of a quote, oldest first", tag: "Quotes", out: EventView{}, list: true},
	"POST /v1/proformas":                        {summary: "Create a draft pro-forma invoice", tag: "Proformas", in: invoicing.ProformaInput{}, out: invoicing.ProformaView{}, status: 201},
	"GET /v1/proformas":                         {summary: "List pro-forma invoices", tag: "Proformas", out: invoicing.ProformaView{}, list: true, paged: true, query: statusFilters(invoicing.ProformaDraft, invoicing.ProformaIssuedState, invoicing.ProformaConvert, invoicing.ProformaCancel)},
	"GET /v1/proformas/{id}":                    {summary: "Retrieve a pro-forma invoice, now or as of a moment", tag: "Proformas", out: invoicing.ProformaView{}, query: asOfQuery("proforma")},
	"PATCH /v1/proformas/{id}":                  {summary: "Update a draft pro-forma invoice", tag: "Proformas", in: invoicing.ProformaPatch{}, out: invoicing.ProformaView{}},
	"DELETE /v1/proformas/{id}":                 {summary: "Delete a draft pro-forma invoice", tag: "Proformas", out: invoicing.ProformaView{}},
	"POST /v1/proformas/{id}/issue":             {summary: "Issue a draft: takes the next proforma number (its own series; not a fiscal document)", tag: "Proformas", in: emptyDoc{}, out: invoicing.ProformaView{}},
	"POST /v1/proformas/{id}/send":              {summary: "Email the issued pro-forma invoice with its PDF (recorded as skipped in test mode; the outcome shows in last_send)", tag: "Proformas", in: invoicing.SendInput{}, out: invoicing.ProformaView{}},
	"POST /v1/proformas/{id}/cancel":            {summary: "Cancel an issued pro-forma invoice", tag: "Proformas", in: emptyDoc{}, out: invoicing.ProformaView{}},
	"POST /v1/proformas/{id}/convert":           {summary: "Convert an issued pro-forma invoice into an invoice, once (a draft, or issued); answers the invoice", tag: "Proformas", in: invoicing.ConvertInput{}, out: invoicing.InvoiceView{}, status: 201},
	"GET /v1/proformas/{id}/history":            {summary: "Every event of a pro-forma invoice, oldest first", tag: "Proformas", out: EventView{}, list: true},
	"GET /public/quotes/{token}":                {summary: "A quote as its client reads it, through its public link (no key)", tag: "Public links", out: invoicing.PublicQuoteView{}, errors: []int{410}},
	"POST /public/quotes/{token}/accept":        {summary: "Accept a sent quote through its public link (no key); records the IP and time", tag: "Public links", in: emptyDoc{}, out: invoicing.PublicQuoteView{}, errors: []int{409, 410}},
	"POST /public/quotes/{token}/reject":        {summary: "Reject a sent quote through its public link (no key); records the IP and time", tag: "Public links", in: invoicing.AnswerInput{}, out: invoicing.PublicQuoteView{}, errors: []int{409, 410}},

	"GET /v1/invoices/{id}/pdf":   pdfDoc("invoice", "Invoices"),
	"GET /v1/receipts/{id}/pdf":   pdfDoc("receipt", "Receipts"),
	"GET /v1/retentions/{id}/pdf": pdfDoc("retention", "Retentions"),
	"GET /v1/invoices/{id}/facturae": {summary: "The Facturae 3.2.2 XML of an issued invoice of an ES organization, unsigned (409 country_unsupported for another country, invalid_state for a draft)",
		tag: "Invoices", binary: "application/xml", errors: []int{304, 406, 409}},
	"GET /v1/quotes/{id}/pdf":    pdfDoc("quote", "Quotes"),
	"GET /v1/proformas/{id}/pdf": pdfDoc("proforma", "Proformas"),
}

// pdfDoc documents the PDF route of a kind of document.
func pdfDoc(kind, tag string) opDoc {
	return opDoc{summary: "The " + kind + " as a PDF, now or as of a moment (ETag; If-None-Match answers 304 while it has not changed)", tag: tag,
		binary: "application/pdf", errors: []int{304, 406},
		query: []qDoc{{name: "as_of", desc: "The " + kind + " as it was at this moment (RFC 3339; unix seconds are accepted too).", kind: qTime}}}
}

// exampleID is an id of each kind in the examples; internal/e2e replaces
// them with real ids when it sends the examples.
func exampleID(prefix string) string { return prefix + "_01J9ZQ7V3K8M2N4P6R8S0T1W3X" }

type obj = map[string]any

// examples are a valid request body of each operation that takes one with
// properties: the document shows them, redocly checks them against their
// schema, and internal/e2e's TestRequestBodiesMatchTheDocument sends
// each, and each with every property left out in turn, to the real system.
var examples = map[string]any{
	"POST /v1/users":                         obj{"email": "ana@example.com", "name": "Ana López"},
	"POST /v1/users/{id}/secret_key/rotate":  obj{"grace_period_seconds": 3600},
	"POST /v1/user/secret_key/rotate":        obj{"grace_period_seconds": 3600},
	"POST /v1/organizations":                 obj{"name": "Acme", "legal_name": "ACME SA DE CV", "tax_id": "AAA010101AAA"},
	"PATCH /v1/organizations/{id}":           obj{"name": "Acme México", "legal_name": "ACME SA DE CV", "tax_id": "AAA010101AAA"},
	"POST /v1/organizations/{id}/api_access": obj{"api_disabled": false},
	"POST /v1/organizations/{org}/api_keys": obj{"name": "backend", "mode": "test", "scopes": []any{"invoices:read", "invoices:write"},
		"expires_at": "2099-01-01T00:00:00Z", "ip_allowlist": []any{"0.0.0.0/0", "::/0"}},
	"PATCH /v1/organizations/{org}/api_keys/{id}":       obj{"name": "backend", "enabled": true, "ip_allowlist": []any{"0.0.0.0/0", "::/0"}},
	"POST /v1/organizations/{org}/api_keys/{id}/rotate": obj{"grace_period_seconds": 3600},
	"POST /v1/clients": obj{"legal_name": "ACME SA DE CV", "tax_id": "AAA010101AAA", "tax_system": "601", "email": "billing@acme.mx",
		"phone": "+52 55 1234 5678", "address": obj{"street": "Reforma", "exterior": "222", "city": "Ciudad de México", "country": "MEX", "zip": "06600"},
		"metadata": obj{"crm_id": "42"}},
	"PATCH /v1/clients/{id}": obj{"email": "billing@acme.mx", "phone": "+52 55 1234 5678"},
	"POST /v1/products": obj{"description": "Consulting hour", "price": "116.00", "tax_included": true,
		"taxes": []any{obj{"type": "IVA", "rate": "0.16", "factor": "Tasa"}}, "unit_key": "E48", "unit_name": "Hour", "product_key": "80111600", "sku": "CONS-1"},
	"PATCH /v1/products/{id}": obj{"price": "10.00", "sku": "CONS-1"},
	"POST /v1/tax_rates": obj{"name": "IVA 16%", "type": "IVA", "rate": "0.16", "factor": "Tasa", "withholding": false,
		"included_in_price": true, "active": true, "metadata": obj{"ledger": "208"}},
	"PATCH /v1/tax_rates/{id}": obj{"name": "IVA 8% (border)", "rate": "0.08", "active": true},
	"POST /v1/quotes": obj{"client": exampleID("cli"), "currency": "MXN", "items": []any{obj{"product": exampleID("prd"), "quantity": "2"}},
		"notes": "Valid for 30 days", "metadata": obj{"deal": "77"}, "expires_at": "2099-01-31T00:00:00Z"},
	"PATCH /v1/quotes/{id}":              obj{"notes": "Valid for 15 days", "expires_at": "2099-01-15T00:00:00Z"},
	"POST /v1/quotes/{id}/send":          obj{"to": []any{"billing@acme.mx"}},
	"POST /v1/proformas/{id}/send":       obj{"to": []any{"billing@acme.mx"}},
	"POST /v1/quotes/{id}/reject":        obj{"reason": "Over budget"},
	"POST /v1/quotes/{id}/convert":       obj{"issue": true, "series": "A", "payment_form": "03", "payment_method": "PUE", "use": "G03"},
	"POST /public/quotes/{token}/reject": obj{"reason": "Over budget"},
	"POST /v1/proformas": obj{"client": exampleID("cli"), "currency": "MXN", "items": []any{obj{"product": exampleID("prd"), "quantity": "2"}},
		"notes": "Payment in advance", "metadata": obj{"order": "1002"}},
	"PATCH /v1/proformas/{id}":                      obj{"notes": "Payment in advance, by transfer"},
	"POST /v1/proformas/{id}/convert":               obj{"issue": false, "series": "A", "payment_form": "03", "payment_method": "PUE", "use": "G03"},
	"POST /v1/webhook_endpoints":                    obj{"url": "https://example.com/hooks", "enabled_events": []any{"invoice.issued"}, "description": "Billing", "metadata": obj{"team": "billing"}},
	"PATCH /v1/webhook_endpoints/{id}":              obj{"description": "Billing", "enabled_events": []any{"*"}},
	"POST /v1/webhook_endpoints/{id}/rotate_secret": obj{"grace_period_seconds": 3600},
	"POST /v1/webhook_endpoints/{id}/recover":       obj{"since": "2025-01-01T00:00:00Z", "until": "2025-01-02T00:00:00Z"},
	"POST /v1/series":                               obj{"code": "B", "prefix": "B-", "next_number": 100},
	"PATCH /v1/series/{id}":                         obj{"prefix": "S-", "next_number": 200},
	"POST /v1/invoices": obj{"client": exampleID("cli"), "series": "A", "currency": "MXN",
		"items":        []any{obj{"product": exampleID("prd"), "quantity": "2", "discount": "1.00"}},
		"payment_form": "03", "payment_method": "PUE", "use": "G03", "notes": "Thank you", "metadata": obj{"order": "1001"}},
	"PATCH /v1/invoices/{id}":           obj{"notes": "Thank you", "use": "G01"},
	"POST /v1/invoices/{id}/pay":        obj{"amount": "5.00", "date": "2025-01-15T12:00:00Z", "payment_form": "03"},
	"POST /v1/invoices/{id}/void":       obj{"reason": "02"},
	"POST /v1/invoices/{id}/send":       obj{"to": []any{"billing@acme.mx"}},
	"POST /v1/receipts/{id}/send":       obj{"to": []any{"buyer@example.mx"}},
	"POST /v1/retentions/{id}/send":     obj{"to": []any{"billing@acme.mx"}},
	"POST /v1/invoices/{id}/corrective": obj{"reason": "Discount agreed after issue", "items": []any{obj{"line": 0, "quantity": "1"}}},
	"POST /v1/receipts":                 obj{"items": []any{obj{"product": exampleID("prd"), "quantity": "1"}}, "payment_form": "01", "metadata": obj{"till": "3"}},
	"POST /v1/receipts/global_invoice":  obj{"periodicity": "day", "from": "2025-01-01T00:00:00Z", "to": "2025-01-01T23:59:59Z"},
	"POST /v1/receipts/{id}/invoice":    obj{"client": exampleID("cli")},
	"POST /v1/recurring_invoices": obj{"invoice": obj{"client": exampleID("cli"), "items": []any{obj{"product": exampleID("prd"), "quantity": "1"}}, "payment_form": "03"},
		"interval": "monthly", "day_of_month": 31, "start_at": "2030-01-31T09:00:00Z", "end_at": "2030-12-31T09:00:00Z", "count": 12, "issue": true, "send": true},
	"PATCH /v1/recurring_invoices/{id}": obj{"count": 24, "send": false},
	"POST /v1/retentions": obj{"client": exampleID("cli"), "key": "25", "period": obj{"from_month": 1, "to_month": 3, "year": 2025},
		"concepts": []any{obj{"description": "Professional fees", "amount": "10000.00", "taxes": []any{obj{"type": "ISR", "rate": "0.10"}}}}},
}

func (d opDoc) successStatus() int {
	if d.status == 0 {
		return http.StatusOK
	}
	return d.status
}
