package invoicing

import (
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// Receipt event types.
const (
	ReceiptCreated  = "receipt.created"
	ReceiptInvoiced = "receipt.invoiced"
	ReceiptCanceled = "receipt.canceled"
)

// receiptEvents are the event types of receipts.
var receiptEvents = []events.TypeInfo{
	{Name: ReceiptCreated, Description: "A sales receipt was created (open)."},
	{Name: ReceiptInvoiced, Description: "A receipt was invoiced, to its customer or in a global invoice; data names the invoice and the mode."},
	{Name: ReceiptCanceled, Description: "An open receipt was canceled."},
}

// Receipt statuses: open → invoiced_to_customer | invoiced_globally | canceled.
const (
	ReceiptOpen               = "open"
	ReceiptInvoicedToCustomer = "invoiced_to_customer"
	ReceiptInvoicedGlobally   = "invoiced_globally"
	ReceiptCanceledStatus     = "canceled"
	invoicedModeCustomer      = "customer"
	invoicedModeGlobal        = "global"
)

// ReceiptInput is the body of POST /v1/receipts: a sale with no client yet.
type ReceiptInput struct {
	Currency    string            `json:"currency,omitempty" facturo:"pattern=^[A-Z]{3}$;default=MXN"`
	Exchange    *decimal.Decimal  `json:"exchange,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"` // required unless MXN
	Items       []ItemInput       `json:"items" facturo:"required;max=500"`
	PaymentForm string            `json:"payment_form" facturo:"required;pattern=^([0-8][0-9]|9[0-8])$"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// ReceiptContent is the data of receipt.created, with its lines priced.
type ReceiptContent struct {
	Currency    string            `json:"currency"`
	Exchange    *decimal.Decimal  `json:"exchange,omitempty"` // nil for MXN
	Items       []Line            `json:"items"`
	Totals      Totals            `json:"totals"`
	PaymentForm string            `json:"payment_form"`
	Metadata    map[string]string `json:"metadata"`
}

// InvoicedData is the data of receipt.invoiced.
type InvoicedData struct {
	Invoice string `json:"invoice"`
	Mode    string `json:"mode"` // "customer" or "global"
}

// Receipt is the state of one receipt stream.
type Receipt struct {
	Meta
	ReceiptContent
	Status  string
	Invoice string // the invoice that includes it, once invoiced
	Mailing
}

// ReceiptView is the public JSON of a receipt.
type ReceiptView struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   *time.Time        `json:"created_at"`
	UpdatedAt   *time.Time        `json:"updated_at"`
	Status      string            `json:"status"`
	Currency    string            `json:"currency"`
	Exchange    string            `json:"exchange"`
	Items       []LineView        `json:"items"`
	PaymentForm string            `json:"payment_form"`
	Invoice     *string           `json:"invoice"`
	Metadata    map[string]string `json:"metadata"`
	LastSend    *SendStatus       `json:"last_send"`
	TotalsView
}

// NewReceipt decides a new open receipt; products holds the stored products
// the items name (see ProductIDs).
func NewReceipt(in ReceiptInput, products map[string]*Product) ([]events.Draft, error) {
	c := ReceiptContent{
		Currency:    orDefault(strings.ToUpper(strings.TrimSpace(in.Currency)), DefaultCurrency),
		Exchange:    in.Exchange,
		PaymentForm: strings.TrimSpace(in.PaymentForm),
		Metadata:    copyMetadata(in.Metadata),
	}
	lines, err := resolveLines(in.Items, products)
	if err != nil {
		return nil, err
	}
	c.Items, c.Totals = lines, ComputeTotals(lines)
	if c.PaymentForm == "" {
		return nil, missing("payment_form")
	}
	if err := firstErr(
		validateCurrency("currency", c.Currency),
		c.validateExchange(),
		matches(paymentFormPattern, "payment_form", c.PaymentForm, "a SAT payment form code (\"01\" to \"98\")"),
		validateMetadata("metadata", c.Metadata),
	); err != nil {
		return nil, err
	}
	if c.PaymentForm == PaymentFormUndefined {
		return nil, invalid("payment_form", "a receipt records a payment made; \"99\" (to be defined) is not one.")
	}
	return one(ReceiptCreated, c), nil
}

// InvoiceToCustomer decides that the receipt was invoiced to its customer
// in the given invoice (which the caller created from the receipt's lines).
func (r *Receipt) InvoiceToCustomer(invoiceID string) ([]events.Draft, error) {
	return r.invoiced(invoiceID, invoicedModeCustomer)
}

// InvoiceGlobally decides that the receipt went into a global invoice.
func (r *Receipt) InvoiceGlobally(invoiceID string) ([]events.Draft, error) {
	return r.invoiced(invoiceID, invoicedModeGlobal)
}

func (r *Receipt) invoiced(invoiceID, mode string) ([]events.Draft, error) {
	if err := r.mustBeOpen("invoiced"); err != nil {
		return nil, err
	}
	if invoiceID == "" {
		return nil, missing("invoice")
	}
	return one(ReceiptInvoiced, InvoicedData{Invoice: invoiceID, Mode: mode}), nil
}

// Cancel decides the cancellation of an open receipt.
func (r *Receipt) Cancel() ([]events.Draft, error) {
	if err := r.mustBeOpen("canceled"); err != nil {
		return nil, err
	}
	return one(ReceiptCanceled, Empty{}), nil
}

// Send decides the emailing of a receipt that is not canceled. A receipt
// has no client, so in.To names the recipients.
func (r *Receipt) Send(in ReceiptSendInput, now time.Time) ([]events.Draft, error) {
	if !r.Exists() {
		return nil, notFound("receipt", r.ID)
	}
	if r.Status == ReceiptCanceledStatus {
		return nil, invalidState("The receipt is canceled; a canceled receipt cannot be sent.")
	}
	if len(in.To) == 0 {
		return nil, missingBecause("to", "A receipt has no client; give the recipients in to.")
	}
	return decideSend("receipt", r.Livemode, SendInput(in), "", now)
}

func (r *Receipt) mustBeOpen(action string) error {
	if !r.Exists() {
		return notFound("receipt", r.ID)
	}
	if r.Status != ReceiptOpen {
		return invalidState("The receipt is %s; only an open receipt can be %s.", r.Status, action)
	}
	return nil
}

// Exists reports whether the receipt was created.
func (r *Receipt) Exists() bool { return r.Version > 0 }

// Apply folds one event into the receipt.
func (r *Receipt) Apply(e events.Event) error {
	switch e.Type {
	case ReceiptCreated:
		var c ReceiptContent
		if err := decodeInto("receipt", e, &c); err != nil {
			return err
		}
		r.ReceiptContent, r.Status = c, ReceiptOpen
	case ReceiptInvoiced:
		var d InvoicedData
		if err := decodeInto("receipt", e, &d); err != nil {
			return err
		}
		r.Invoice, r.Status = d.Invoice, ReceiptInvoicedToCustomer
		if d.Mode == invoicedModeGlobal {
			r.Status = ReceiptInvoicedGlobally
		}
	case ReceiptCanceled:
		r.Status = ReceiptCanceledStatus
	default:
		ok, err := r.applyMailing("receipt", e)
		if !ok {
			return unknownEvent("receipt", e)
		}
		if err != nil {
			return err
		}
	}
	r.stamp(e)
	return nil
}

// FoldReceipt folds a receipt stream.
func FoldReceipt(history []events.Event) (*Receipt, error) { return fold[Receipt](history) }

// View is the public JSON of the receipt.
func (r *Receipt) View() ReceiptView {
	v := ReceiptView{
		ID: r.ID, Object: "receipt", Livemode: r.Livemode,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		Status: r.Status, Currency: r.Currency, Exchange: fmtPrice(r.exchange()), Items: lineViews(r.Items),
		PaymentForm: r.PaymentForm, Metadata: copyMetadata(r.Metadata), LastSend: r.view(), TotalsView: r.Totals.view(),
	}
	if r.Invoice != "" {
		v.Invoice = &r.Invoice
	}
	return v
}

// CustomerInvoiceInput is the draft invoice of an open receipt for the
// client who asked for one: the receipt's lines at their pre-tax prices (so
// the totals are the receipt's), its currency and payment form, paid in one
// go (PUE). The caller creates it with NewInvoice and appends
// InvoiceToCustomer to the receipt in the same transaction.
func (r *Receipt) CustomerInvoiceInput(client string) (InvoiceInput, error) {
	if err := r.mustBeOpen("invoiced"); err != nil {
		return InvoiceInput{}, err
	}
	if client == "" {
		return InvoiceInput{}, missing("client")
	}
	return InvoiceInput{
		Client: client, Currency: r.Currency, Exchange: r.Exchange, Items: receiptItems(r),
		PaymentForm: r.PaymentForm, PaymentMethod: PaymentMethodPUE,
	}, nil
}

// validateExchange requires a rate for a foreign currency, as invoices do,
// since the receipt's invoice inherits it.
func (c ReceiptContent) validateExchange() error {
	if err := requireExchange(DefaultCurrency, c.Currency, c.Exchange); err != nil {
		return err
	}
	if c.Exchange == nil {
		return nil
	}
	ic := InvoiceContent{Currency: c.Currency, Exchange: *c.Exchange}
	return ic.validateExchange(DefaultCurrency)
}

// exchange is the receipt's rate to MXN (1 for MXN).
func (r *Receipt) exchange() decimal.Decimal {
	if r.Exchange == nil {
		return one1
	}
	return *r.Exchange
}
