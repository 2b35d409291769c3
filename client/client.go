// Package client is the Go SDK of the Facturo API. It imports the standard
// library only, so a program that uses it pulls in nothing else:
//
//	go get github.com/facturo/facturo/client
//
// It has typed methods for every resource, list iteration across pages, an
// automatic Idempotency-Key on every POST with retries on network errors
// and 5xx answers (GETs are retried too; PATCH and DELETE never are), and
// typed errors (*Error) carrying the envelope's code, param and request id.
//
// The request and response types are this package's own, equal field for
// field to the bodies of GET /v1/openapi.json (a test of the server fails
// when they drift). Amounts, prices, quantities and rates are decimal
// strings, as the API answers them: "100.00", "2", "0.16". Optional fields
// of patches are pointers: new("text") sets one.
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("FACTURO_KEY")) // fact_test_...
//	cl, err := c.Clients.Create(ctx, client.ClientInput{LegalName: "ACME", TaxID: "AAA010101AAA"})
//	inv, err := c.Invoices.Create(ctx, client.InvoiceInput{Client: cl.ID, PaymentForm: "03",
//		Items: []client.ItemInput{{Product: client.ProductID("prd_..."), Quantity: "2"}}})
//	inv, err = c.Invoices.Issue(ctx, inv.ID) // inv.Status "valid", inv.Total e.g. "200.00"
//	for inv, err := range c.Invoices.All(ctx, client.ListParams{Limit: 100}) { ... }
//	if client.IsCode(err, "resource_missing") { ... }
//
// Webhook deliveries are verified with package
// github.com/facturo/facturo/client/webhook.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Client calls the API with one key. Safe for concurrent use.
type Client struct {
	base       string
	key        string
	http       *http.Client
	maxRetries uint64
	backOff    func(retry int) time.Duration
	userAgent  string

	Users         *Users
	Organizations *Organizations
	Keys          *Keys
	Clients       *Resource[Customer, ClientInput, ClientPatch]
	Products      *Resource[Product, ProductInput, ProductPatch]
	TaxRates      *Resource[TaxRate, TaxRateInput, TaxRatePatch]
	Series        *SeriesService
	Invoices      *Invoices
	Quotes        *Quotes
	PublicQuotes  *PublicQuotes
	Proformas     *Proformas
	Receipts      *Receipts
	Retentions    *Retentions
	// RecurringInvoices are templates the worker invoices on a schedule.
	RecurringInvoices *RecurringInvoices
	Events            *Events
	Verifactu         *Verifactu
	WebhookEndpoints  *WebhookEndpoints
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends the requests through hc (timeouts, transports).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithMaxRetries bounds the retries of one call (default 3; 0 disables).
func WithMaxRetries(n uint64) Option { return func(c *Client) { c.maxRetries = n } }

// WithBackOff sets the delay before each retry: f(1) before the first,
// f(2) before the second... (default ExponentialBackOff(200 ms, 5 s)).
func WithBackOff(f func(retry int) time.Duration) Option { return func(c *Client) { c.backOff = f } }

// ExponentialBackOff waits about initial before the first retry and twice
// as long before each next one, at most maxDelay, each delay randomized by
// ±50 % so that many clients do not retry in step.
func ExponentialBackOff(initial, maxDelay time.Duration) func(retry int) time.Duration {
	return func(retry int) time.Duration {
		d := min(initial, maxDelay)
		for i := 1; i < retry && d < maxDelay; i++ {
			if d > maxDelay/2 {
				d = maxDelay
			} else {
				d *= 2
			}
		}
		if d <= 0 {
			return 0
		}
		return d/2 + mrand.N(d+1) // uniform in [d/2, 3d/2]
	}
}

// New returns a client of the API at baseURL (e.g. http://127.0.0.1:8080)
// authenticating with key (operator, user or organization key).
func New(baseURL, key string, opts ...Option) *Client {
	c := &Client{
		base: strings.TrimRight(baseURL, "/"), key: key,
		http: &http.Client{Timeout: 30 * time.Second}, maxRetries: 3,
		userAgent: "facturo-go", backOff: ExponentialBackOff(200*time.Millisecond, 5*time.Second),
	}
	for _, o := range opts {
		o(c)
	}
	c.Users = &Users{c}
	c.Organizations = &Organizations{c}
	c.Keys = &Keys{c}
	c.Clients = &Resource[Customer, ClientInput, ClientPatch]{c: c, path: "/v1/clients"}
	c.Products = &Resource[Product, ProductInput, ProductPatch]{c: c, path: "/v1/products"}
	c.TaxRates = &Resource[TaxRate, TaxRateInput, TaxRatePatch]{c: c, path: "/v1/tax_rates"}
	c.Series = &SeriesService{c: c, path: "/v1/series"}
	c.Invoices = &Invoices{Resource[Invoice, InvoiceInput, InvoicePatch]{c: c, path: "/v1/invoices"}}
	c.Quotes = &Quotes{Resource[Quote, QuoteInput, QuotePatch]{c: c, path: "/v1/quotes"}}
	c.PublicQuotes = &PublicQuotes{c: c}
	c.Proformas = &Proformas{Resource[Proforma, ProformaInput, ProformaPatch]{c: c, path: "/v1/proformas"}}
	c.Receipts = &Receipts{c: c, path: "/v1/receipts"}
	c.Retentions = &Retentions{c: c, path: "/v1/retentions"}
	c.RecurringInvoices = &RecurringInvoices{Resource[RecurringInvoice, RecurringInvoiceInput, RecurringInvoicePatch]{c: c, path: "/v1/recurring_invoices"}}
	c.Events = &Events{c}
	c.WebhookEndpoints = &WebhookEndpoints{c}
	c.Verifactu = &Verifactu{c}
	return c
}

// Error is an answer of the API in the error envelope.
type Error struct {
	Status    int    `json:"-"`
	Type      string `json:"type"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Param     string `json:"param,omitempty"`
	RequestID string `json:"request_id"`
	DocURL    string `json:"doc_url"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("facturo: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Param != "" {
		s += " (param " + e.Param + ")"
	}
	return s + " [" + e.RequestID + "]"
}

// IsCode reports whether err is an API error with this code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// RequestOption changes one call.
type RequestOption func(*http.Request)

// WithIdempotencyKey sets the Idempotency-Key of a POST instead of a
// generated one: to make a retry across process restarts safe.
func WithIdempotencyKey(key string) RequestOption {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// WithHeader sets any header on one call.
func WithHeader(name, value string) RequestOption {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// retryable is a failure worth another attempt of the same request.
type retryable struct{ err error }

func (r retryable) Error() string { return r.err.Error() }
func (r retryable) Unwrap() error { return r.err }

// do sends one call and decodes the answer into out (when not nil).
//
// A POST carries an Idempotency-Key (generated unless given), so retrying
// it after a network error or a 5xx answer cannot apply it twice: the
// server answers a retry with the first result. GETs are retried the same
// way. PATCH and DELETE are not retried: the server keeps no key for them.
func (c *Client) do(ctx context.Context, method, path string, in, out any, opts ...RequestOption) error {
	var body []byte
	contentType := "application/json"
	if raw, ok := in.(rawBody); ok {
		body, contentType = raw.data, raw.contentType
	} else if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("facturo: encode %s %s: %w", method, path, err)
		}
	}
	idemKey := ""
	if method == http.MethodPost {
		idemKey = newIdempotencyKey()
	}
	retries := c.maxRetries
	if method != http.MethodPost && method != http.MethodGet {
		retries = 0
	}
	for retry := uint64(0); ; retry++ {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		c.setHeaders(req, idemKey, in != nil)
		if in != nil {
			req.Header.Set("Content-Type", contentType)
		}
		if _, ok := out.(*File); ok {
			req.Header.Set("Accept", "application/pdf")
		}
		for _, o := range opts {
			o(req)
		}
		err = c.send(req, out)
		var r retryable
		if !errors.As(err, &r) {
			return err
		}
		if retry >= retries {
			return r.err
		}
		if err := sleep(ctx, c.backOff(int(retry)+1)); err != nil {
			return fmt.Errorf("%w (after %v)", err, r.err)
		}
	}
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) setHeaders(req *http.Request, idemKey string, hasBody bool) {
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
}

// send runs one attempt: network errors, 5xx and a key still in use by a
// concurrent attempt are retryable, other errors final.
func (c *Client) send(req *http.Request, out any) error {
	res, err := c.http.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return req.Context().Err()
		}
		return retryable{fmt.Errorf("facturo: %s %s: %w", req.Method, req.URL.Path, err)}
	}
	defer res.Body.Close()
	return decodeAnswer(req, res, out)
}

// decodeAnswer reads an answer into out, or into the error it reports.
func decodeAnswer(req *http.Request, res *http.Response, out any) error {
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return retryable{fmt.Errorf("facturo: read %s %s: %w", req.Method, req.URL.Path, err)}
	}
	if res.StatusCode >= 400 {
		apiErr := &Error{Status: res.StatusCode, RequestID: res.Header.Get("X-Request-Id")}
		var env struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(raw, &env) == nil && env.Error != nil {
			env.Error.Status = res.StatusCode
			apiErr = env.Error
		} else {
			apiErr.Code, apiErr.Message = "http_"+res.Status, strings.TrimSpace(string(raw))
		}
		if res.StatusCode >= 500 || apiErr.Code == "idempotency_key_in_use" {
			return retryable{apiErr}
		}
		return apiErr
	}
	if out == nil {
		return nil
	}
	if f, ok := out.(*File); ok {
		f.ETag, f.NotModified = res.Header.Get("ETag"), res.StatusCode == http.StatusNotModified
		f.ContentType, f.Body = res.Header.Get("Content-Type"), raw
		if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err == nil {
			f.Filename = params["filename"]
		}
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("facturo: decode %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return "idem_" + hex.EncodeToString(b[:])
}
