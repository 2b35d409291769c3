package invoicing

import (
	"regexp"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/shopspring/decimal"
)

// Invoice event types. Every one is appended to the invoice's own stream;
// a correction also appends to the credit note's new stream.
const (
	InvoiceCreated         = "invoice.created"          // a draft (or a credit note, issued at once)
	InvoiceUpdated         = "invoice.updated"          // a draft changed; data holds the whole content
	InvoiceDeleted         = "invoice.deleted"          // a draft was deleted
	InvoiceIssued          = "invoice.issued"           // draft → valid, with series and folio number
	InvoicePaymentRecorded = "invoice.payment_recorded" // a payment, partial or final
	InvoicePaid            = "invoice.paid"             // valid → paid: payments reached the total
	InvoiceVoided          = "invoice.voided"           // valid/paid → canceled (voided), with the SAT motive
	InvoiceCorrected       = "invoice.corrected"        // a credit note was issued against the invoice
	InvoiceSent            = "invoice.sent"             // live mode: the invoice is to be emailed
	InvoiceSendSkipped     = "invoice.send_skipped"     // test mode: no email leaves
)

// invoiceEvents are the event types of invoices.
var invoiceEvents = []events.TypeInfo{
	{Name: InvoiceCreated, Description: "An invoice draft was created (or a credit note, issued right after)."},
	{Name: InvoiceUpdated, Description: "An invoice draft was changed; data holds the whole content after the change."},
	{Name: InvoiceDeleted, Description: "An invoice draft was deleted."},
	{Name: InvoiceIssued, Description: "An invoice was issued: it has a series and folio number and is valid."},
	{Name: InvoicePaymentRecorded, Description: "A payment of an invoice was recorded."},
	{Name: InvoicePaid, Description: "An invoice was paid in full."},
	{Name: InvoiceVoided, Description: "An issued invoice was voided (canceled before the tax authority), with the SAT motive."},
	{Name: InvoiceCorrected, Description: "A credit note was issued against an invoice."},
	{Name: InvoiceSent, Description: "An invoice is to be emailed; the mailer records the outcome (invoice.email_delivered or invoice.email_failed)."},
	{Name: InvoiceSendSkipped, Description: "Sending an invoice was skipped because it is in test mode."},
}

// Invoice statuses: draft → valid (issued) → paid; valid or paid → canceled.
// A draft can be edited and deleted; nothing else can.
const (
	StatusDraft    = "draft"
	StatusValid    = "valid"
	StatusPaid     = "paid"
	StatusCanceled = "canceled"
)

// Invoice types (CFDI TipoDeComprobante).
const (
	TypeIncome = "I" // ingreso: an invoice
	TypeEgress = "E" // egreso: a credit note
)

// Defaults of an invoice request.
const (
	DefaultCurrency      = "MXN"
	PaymentMethodPUE     = "PUE" // paid in one go, at issue
	PaymentMethodPPD     = "PPD" // paid later or in parts
	PaymentFormUndefined = "99"  // "por definir", the only form PPD allows
	DefaultUse           = "G03" // gastos en general
)

// InvoiceInput is the body of POST /v1/invoices.
//
// payment_method defaults to PUE. payment_form is required with PUE (the SAT
// wants the real form then) and defaults to, and must be, "99" with PPD.
// series defaults to DefaultSeries. A global invoice (see GlobalInvoiceInput)
// has Global set and no client.
type InvoiceInput struct {
	Client        string            `json:"client,omitempty" facturo:"required_unless=global|kind:F2"`
	Series        string            `json:"series,omitempty" facturo:"pattern=^\\s*[A-Za-z0-9-]{1,25}\\s*$;default=A"`
	Currency      string            `json:"currency,omitempty" facturo:"pattern=^[A-Z]{3}$;default=MXN"`
	Exchange      *decimal.Decimal  `json:"exchange,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Items         []ItemInput       `json:"items" facturo:"required;max=500"`
	PaymentForm   string            `json:"payment_form,omitempty" facturo:"required_unless=payment_method:PPD;pattern=^[0-9]{2}$"`
	PaymentMethod string            `json:"payment_method,omitempty" facturo:"enum=PUE|PPD;default=PUE"`
	Use           string            `json:"use,omitempty" facturo:"pattern=^[A-Z]{1,2}[0-9]{2}$;default=G03"`
	Notes         string            `json:"notes,omitempty" facturo:"max=1000"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Global        *GlobalInfo       `json:"global,omitempty"`
	// Kind is the kind of a Spanish invoice (ES organizations only):
	// F1 complete (the default), F2 simplified.
	Kind string `json:"kind,omitempty" facturo:"enum=F1|F2"`
}

// InvoicePatch is the body of PATCH /v1/invoices/{id}; nil means unchanged.
// Items, when given, replace all lines and are priced from the products as
// they are now.
type InvoicePatch struct {
	Client        *string           `json:"client,omitempty" facturo:"nonblank"`
	Series        *string           `json:"series,omitempty" facturo:"pattern=^\\s*[A-Za-z0-9-]{1,25}\\s*$"`
	Currency      *string           `json:"currency,omitempty" facturo:"pattern=^[A-Z]{3}$"`
	Exchange      *decimal.Decimal  `json:"exchange,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Items         *[]ItemInput      `json:"items,omitempty" facturo:"min=1;max=500"`
	PaymentForm   *string           `json:"payment_form,omitempty" facturo:"pattern=^[0-9]{2}$"`
	PaymentMethod *string           `json:"payment_method,omitempty" facturo:"enum=PUE|PPD"`
	Use           *string           `json:"use,omitempty" facturo:"pattern=^[A-Z]{1,2}[0-9]{2}$"`
	Notes         *string           `json:"notes,omitempty" facturo:"max=1000"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Kind          *string           `json:"kind,omitempty" facturo:"enum=F1|F2"`
}

// ClientSnapshot is the copy of the client an invoice keeps.
type ClientSnapshot struct {
	ID        string  `json:"id,omitempty"`
	LegalName string  `json:"legal_name"`
	TaxID     string  `json:"tax_id"`
	TaxSystem string  `json:"tax_system"`
	Email     string  `json:"email"`
	Address   Address `json:"address"`
}

// Relation links a credit note to the invoice it corrects.
type Relation struct {
	Invoice      string `json:"invoice"`
	Relationship string `json:"relationship"` // SAT c_TipoRelacion; "01": nota de crédito
	Reason       string `json:"reason"`
}

// InvoiceContent is what an invoice says: the data of invoice.created and
// invoice.updated. Lines and totals are computed when the event is decided
// and stored, so that the amounts of a document never change afterwards.
type InvoiceContent struct {
	Type          string            `json:"type"`
	Client        ClientSnapshot    `json:"client"`
	Series        string            `json:"series"`
	Currency      string            `json:"currency"`
	Exchange      decimal.Decimal   `json:"exchange"`
	Items         []Line            `json:"items"`
	Totals        Totals            `json:"totals"`
	PaymentForm   string            `json:"payment_form"`
	PaymentMethod string            `json:"payment_method"`
	Use           string            `json:"use"`
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	Global        *GlobalInfo       `json:"global,omitempty"`
	Related       *Relation         `json:"related,omitempty"`
	DuplicateOf   string            `json:"duplicate_of,omitempty"`
	// Jurisdiction is the country whose law the invoice follows; "" for
	// MX. Kind and Rectification are Spain's.
	Jurisdiction  jurisdiction.Country `json:"jurisdiction,omitempty"`
	Kind          string               `json:"kind,omitempty"`
	Rectification *Rectification       `json:"rectification,omitempty"`
	// RecurringInvoice and RecurringPeriod link an invoice that a
	// recurring invoice generated to it, and to the period it is for.
	RecurringInvoice string     `json:"recurring_invoice,omitempty"`
	RecurringPeriod  *time.Time `json:"recurring_period,omitempty"`
	Quote            string     `json:"quote,omitempty"`    // the quote it was converted from
	Proforma         string     `json:"proforma,omitempty"` // the proforma it was converted from
}

var (
	currencyPattern    = regexp.MustCompile(`^[A-Z]{3}$`)
	paymentFormPattern = regexp.MustCompile(`^[0-9]{2}$`)
	usePattern         = regexp.MustCompile(`^[A-Z]{1,2}[0-9]{2}$`)
)

// NewInvoice decides a new draft invoice. client is the stored client that
// in.Client names (nil for a global invoice); products holds the stored
// products the items name (see ProductIDs). Their data is copied into the
// invoice, so later edits of the client or products never change it.
func NewInvoice(in InvoiceInput, client *Client, products map[string]*Product) ([]events.Draft, error) {
	return mexicoRules.NewInvoice(in, client, products)
}

// NewInvoice decides a new draft invoice under r (see NewInvoice).
func (r Rules) NewInvoice(in InvoiceInput, client *Client, products map[string]*Product) ([]events.Draft, error) {
	c, err := newContent(r, in, client, products)
	if err != nil {
		return nil, err
	}
	return one(InvoiceCreated, c), nil
}

func newContent(r Rules, in InvoiceInput, client *Client, products map[string]*Product) (InvoiceContent, error) {
	c := InvoiceContent{
		Type: TypeIncome, Series: in.Series, Currency: in.Currency, PaymentForm: in.PaymentForm,
		PaymentMethod: in.PaymentMethod, Use: in.Use, Notes: in.Notes, Metadata: copyMetadata(in.Metadata),
		Exchange: one1, Jurisdiction: r.stamp(), Kind: in.Kind,
	}
	if in.Exchange != nil {
		c.Exchange = *in.Exchange
	}
	if err := c.setClient(in.Client, client, in.Global); err != nil {
		return c, err
	}
	lines, err := resolveLinesIn(r, in.Items, products)
	if err != nil {
		return c, err
	}
	c.Items, c.Totals = lines, r.Taxes.Totals(lines)
	if err := c.normalize(); err != nil {
		return c, err
	}
	return c, requireExchange(r.Documents.Currency(), c.Currency, in.Exchange)
}

// rules are the rules of the country the invoice follows.
func (c *InvoiceContent) rules() Rules { return RulesFor(c.Jurisdiction) }

// setClient snapshots the client, or the general public for a global invoice.
func (c *InvoiceContent) setClient(id string, client *Client, global *GlobalInfo) error {
	if global != nil {
		if id != "" {
			return invalid("client", "a global invoice is made out to the general public; leave client out.")
		}
		g, err := global.normalize()
		c.Global, c.Client = &g, PublicClient()
		if c.Use == "" {
			c.Use = "S01"
		}
		return err
	}
	if id == "" && c.Jurisdiction == "" {
		return missing("client")
	}
	if id == "" { // whether the kind needs a client is the country's Terms
		c.Client = ClientSnapshot{}
		return nil
	}
	if client == nil || !client.Exists() || client.ID != id {
		e := notFound("client", id)
		e.Param = "client"
		return e
	}
	c.Client = client.snapshot()
	return nil
}

func (c *Client) snapshot() ClientSnapshot {
	return ClientSnapshot{ID: c.ID, LegalName: c.LegalName, TaxID: c.TaxID, TaxSystem: c.TaxSystem, Email: c.Email, Address: c.Address}
}

// normalize applies defaults to the terms and validates them, by the
// rules of the invoice's country.
func (c *InvoiceContent) normalize() error {
	r := c.rules()
	c.Currency = orDefault(strings.ToUpper(strings.TrimSpace(c.Currency)), r.Documents.Currency())
	c.PaymentMethod = strings.ToUpper(strings.TrimSpace(c.PaymentMethod))
	c.Use = strings.ToUpper(strings.TrimSpace(c.Use))
	c.Notes = strings.TrimSpace(c.Notes)
	if err := r.Documents.Terms(c); err != nil {
		return err
	}
	return firstErr(
		maxLen("notes", c.Notes, 1000),
		validateMetadata("metadata", c.Metadata),
	)
}

// mxDocuments are the documents of Mexican law (CFDI 4.0).
type mxDocuments struct{}

// Currency implements DocumentRules.
func (mxDocuments) Currency() string { return DefaultCurrency }

// FreeSeries implements DocumentRules: only the default series.
func (mxDocuments) FreeSeries(code string) bool { return code == DefaultSeries }

// Terms implements DocumentRules: payment method and form, CFDI use.
func (mxDocuments) Terms(c *InvoiceContent) error {
	if c.Kind != "" {
		return invalid("kind", "kind is the kind of a Spanish invoice; the invoices of an MX organization have none.")
	}
	c.Series = SeriesCode(c.Series)
	c.PaymentMethod = orDefault(c.PaymentMethod, PaymentMethodPUE)
	c.Use = orDefault(c.Use, DefaultUse)
	return firstErr(
		validateSeriesCode("series", c.Series),
		validateCurrency("currency", c.Currency),
		c.validateExchange(DefaultCurrency),
		c.validatePayment(),
		matches(usePattern, "use", c.Use, "a SAT CFDI use code (e.g. G03)"),
	)
}

func (c *InvoiceContent) validateExchange(home string) error {
	if c.Exchange.Sign() <= 0 || !hasMaxPlaces(c.Exchange, pricePlaces) || c.Exchange.GreaterThan(maxPrice) {
		return invalid("exchange", "exchange must be a rate greater than 0 with at most 6 decimals.")
	}
	if c.Currency == home && !c.Exchange.Equal(one1) {
		return invalid("exchange", "the exchange rate of an invoice in %s is 1.", home)
	}
	return nil
}

func (c *InvoiceContent) validatePayment() error {
	switch c.PaymentMethod {
	case PaymentMethodPUE:
		if c.PaymentForm == "" {
			return missing("payment_form")
		}
		if c.PaymentForm == PaymentFormUndefined {
			return invalid("payment_form", "payment_form \"99\" (to be defined) goes with payment_method PPD; with PUE give the real form, e.g. \"03\".")
		}
	case PaymentMethodPPD:
		c.PaymentForm = orDefault(c.PaymentForm, PaymentFormUndefined)
		if c.PaymentForm != PaymentFormUndefined {
			return invalid("payment_form", "with payment_method PPD the payment_form is \"99\" (to be defined).")
		}
	default:
		return invalid("payment_method", "payment_method is PUE or PPD.")
	}
	return matches(paymentFormPattern, "payment_form", c.PaymentForm, "a SAT payment form code (\"01\" to \"99\")")
}
