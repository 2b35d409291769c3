package client

import "time"

// Totals are a document's amounts, each a string with 2 decimals. Invoice,
// Receipt and Retention embed them, so inv.Total reads the total.
type Totals struct {
	Subtotal         string      `json:"subtotal"`
	Discount         string      `json:"discount"`
	Taxes            []TaxAmount `json:"taxes"` // the breakdown by tax
	TotalTransferred string      `json:"total_transferred"`
	TotalWithheld    string      `json:"total_withheld"`
	Total            string      `json:"total"` // subtotal - discount + transferred - withheld
}

// TaxAmount is one tax with its base and amount, of a line or a total.
type TaxAmount struct {
	Tax
	Base   string `json:"base"`
	Amount string `json:"amount"`
}

// Line is one priced line of a document.
type Line struct {
	Product   LineProduct `json:"product"`
	Quantity  string      `json:"quantity"`
	UnitPrice string      `json:"unit_price"` // before taxes
	Subtotal  string      `json:"subtotal"`   // unit price × quantity
	Discount  string      `json:"discount"`
	Taxes     []TaxAmount `json:"taxes"`
}

// LineProduct is the copy of the product a line was made from: later edits
// of the product never change it.
type LineProduct struct {
	ID          string `json:"id,omitempty"` // empty for an inline product
	Description string `json:"description"`
	Price       string `json:"price"`
	TaxIncluded bool   `json:"tax_included"`
	Taxes       []Tax  `json:"taxes"`
	UnitKey     string `json:"unit_key"`
	UnitName    string `json:"unit_name"`
	ProductKey  string `json:"product_key"`
	SKU         string `json:"sku"`
}

// ClientSnapshot is the copy of the client a document keeps.
type ClientSnapshot struct {
	ID        string  `json:"id,omitempty"`
	LegalName string  `json:"legal_name"`
	TaxID     string  `json:"tax_id"`
	TaxSystem string  `json:"tax_system"`
	Email     string  `json:"email"`
	Address   Address `json:"address"`
}

// Invoice is an invoice (Type "I") or a credit note ("E"). Status is draft,
// valid (issued), paid or canceled; only a draft can change.
type Invoice struct {
	ID            string            `json:"id"` // inv_...
	Object        string            `json:"object"`
	Livemode      bool              `json:"livemode"`
	CreatedAt     *time.Time        `json:"created_at"`
	UpdatedAt     *time.Time        `json:"updated_at"`
	Type          string            `json:"type"`
	Status        string            `json:"status"`
	Client        string            `json:"client"`         // the client's id
	ClientDetails ClientSnapshot    `json:"client_details"` // the client as it was
	Series        string            `json:"series"`
	FolioNumber   *int64            `json:"folio_number"` // set once issued
	Number        *string           `json:"number"`       // prefix + folio, set once issued
	IssuedAt      *time.Time        `json:"issued_at"`
	Currency      string            `json:"currency"`
	Exchange      string            `json:"exchange"` // the exchange rate to MXN
	Items         []Line            `json:"items"`
	PaymentForm   string            `json:"payment_form"`   // SAT c_FormaPago
	PaymentMethod string            `json:"payment_method"` // PUE or PPD
	Use           string            `json:"use"`            // SAT c_UsoCFDI
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	Global        *GlobalPeriod     `json:"global,omitempty"`  // a global invoice's period
	Related       *Relation         `json:"related,omitempty"` // a credit note's invoice
	DuplicateOf   *string           `json:"duplicate_of"`
	// Kind (F1, F2, R1 to R5) and Rectification are set on the invoices
	// of ES organizations only.
	Kind          string         `json:"kind,omitempty"`
	Rectification *Rectification `json:"rectification,omitempty"`
	// RecurringInvoice is the recurring invoice that made this one, and
	// RecurringPeriod the period it was made for (both null otherwise).
	RecurringInvoice *string    `json:"recurring_invoice"`
	RecurringPeriod  *time.Time `json:"recurring_period"`
	Quote            string     `json:"quote,omitempty"`    // the quote it was converted from
	Proforma         string     `json:"proforma,omitempty"` // the proforma it was converted from
	Totals
	Payments       []Payment     `json:"payments"`
	PaidTotal      string        `json:"paid_total"`
	Balance        string        `json:"balance"` // what is left to pay
	PaidAt         *time.Time    `json:"paid_at"`
	Cancellation   *Cancellation `json:"cancellation"`
	CorrectedTotal string        `json:"corrected_total"` // credited by credit notes
	CreditNotes    []string      `json:"credit_notes"`
	LastSend       *SendRecord   `json:"last_send"`
	Deleted        bool          `json:"deleted,omitempty"`
}

// InvoiceInput is the body of Invoices.Create: a draft.
type InvoiceInput struct {
	Client        string            `json:"client,omitempty"`   // the client's id
	Series        string            `json:"series,omitempty"`   // a series code, default "A"
	Currency      string            `json:"currency,omitempty"` // default MXN
	Exchange      string            `json:"exchange,omitempty"` // a decimal: the rate to MXN, required unless the currency is MXN (which is 1)
	Items         []ItemInput       `json:"items"`
	PaymentForm   string            `json:"payment_form,omitempty"`   // required with PUE, "99" with PPD
	PaymentMethod string            `json:"payment_method,omitempty"` // PUE (default) or PPD
	Use           string            `json:"use,omitempty"`
	Notes         string            `json:"notes,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Global        *GlobalPeriod     `json:"global,omitempty"`
	Kind          string            `json:"kind,omitempty"` // ES organizations: F1 (default) or F2 (simplified)
}

// Rectification is what the rectifying invoice of an ES invoice rectifies.
type Rectification struct {
	Method   string    `json:"method"`  // I by differences, S by substitution
	Invoice  string    `json:"invoice"` // the rectified invoice's id
	Number   string    `json:"number"`
	IssuedAt time.Time `json:"issued_at"`
	Base     string    `json:"base"` // the rectified invoice's taxable base
	Tax      string    `json:"tax"`  // and its IVA and recargo
}

// InvoicePatch is the body of Invoices.Update; nil fields stay as they are.
// Items, when given, replace all lines and are priced from the products as
// they are now.
type InvoicePatch struct {
	Client        *string           `json:"client,omitempty"`
	Series        *string           `json:"series,omitempty"`
	Currency      *string           `json:"currency,omitempty"`
	Exchange      *string           `json:"exchange,omitempty"`
	Items         *[]ItemInput      `json:"items,omitempty"`
	PaymentForm   *string           `json:"payment_form,omitempty"`
	PaymentMethod *string           `json:"payment_method,omitempty"`
	Use           *string           `json:"use,omitempty"`
	Notes         *string           `json:"notes,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Kind          *string           `json:"kind,omitempty"` // ES organizations: F1 or F2
}

// GlobalPeriod says which period of sales to the general public a global
// invoice covers (Receipts.GlobalInvoice). From and To are inclusive.
type GlobalPeriod struct {
	Periodicity string    `json:"periodicity"` // day, week, fortnight, month or two_months
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
}

// Relation links a credit note to the invoice it corrects.
type Relation struct {
	Invoice      string `json:"invoice"`
	Relationship string `json:"relationship"` // SAT c_TipoRelacion; "01": credit note
	Reason       string `json:"reason"`
}

// Payment is one recorded payment of an invoice.
type Payment struct {
	Amount      string    `json:"amount"`
	Date        time.Time `json:"date"`
	PaymentForm string    `json:"payment_form"`
}

// Cancellation is why and when an invoice was canceled.
type Cancellation struct {
	Reason       string    `json:"reason"`
	Substitution string    `json:"substitution,omitempty"`
	CanceledAt   time.Time `json:"canceled_at"`
}

// SendRecord is the last Send of an invoice, receipt or retention, and
// where its email stands.
type SendRecord struct {
	To      []string  `json:"to"`
	Skipped bool      `json:"skipped"`          // test mode sends nothing
	Reason  string    `json:"reason,omitempty"` // "test_mode" when skipped
	At      time.Time `json:"at"`
	Status  string    `json:"status"` // pending, delivered, failed or skipped
	Error   *string   `json:"error"`  // why it failed: the SMTP answer, or the missing configuration
}

// PaymentInput is the body of Invoices.Pay. Amount defaults to the
// balance, Date to now, PaymentForm to the invoice's.
type PaymentInput struct {
	Amount      string     `json:"amount,omitempty"` // a decimal, e.g. "50.00"
	Date        *time.Time `json:"date,omitempty"`
	PaymentForm string     `json:"payment_form,omitempty"`
}

// CancelInput is the body of Invoices.Void. Reason is the SAT cancellation
// motive: "01" issued with errors, replaced by the invoice named in
// Substitution; "02" issued with errors, not replaced; "03" the operation
// did not happen; "04" nominative operation included in a global invoice.
type CancelInput struct {
	Reason       string `json:"reason"`
	Substitution string `json:"substitution,omitempty"`
}

// SendInput is the body of Invoices.Send, Receipts.Send and
// Retentions.Send. To defaults to the client's email (a receipt has no
// client: Receipts.Send needs To).
type SendInput struct {
	To []string `json:"to,omitempty"`
}

// CorrectionInput is the body of Invoices.Corrective: a credit note of
// some lines (Items), or of every line at its full quantity when Items is
// empty.
type CorrectionInput struct {
	Reason string           `json:"reason"`
	Items  []CorrectionItem `json:"items,omitempty"`
	Series string           `json:"series,omitempty"` // default the invoice's (R for an ES invoice)
	// ES invoices: the rectifying kind, R1 to R4 (default R1) or R5 for a
	// simplified invoice, and the method, I by differences (default) or S
	// by substitution.
	Kind   string `json:"kind,omitempty"`
	Method string `json:"method,omitempty"`
}

// CorrectionItem credits part of one line of the original invoice.
type CorrectionItem struct {
	Line     int    `json:"line"`               // the line's index, from 0
	Quantity string `json:"quantity,omitempty"` // a decimal, default the whole line
}

// Receipt is a sale to the general public, invoiced later (to a client or
// in a global invoice). Status is open, invoiced_to_customer,
// invoiced_globally or canceled.
type Receipt struct {
	ID          string            `json:"id"` // rcp_...
	Object      string            `json:"object"`
	Livemode    bool              `json:"livemode"`
	CreatedAt   *time.Time        `json:"created_at"`
	UpdatedAt   *time.Time        `json:"updated_at"`
	Status      string            `json:"status"`
	Currency    string            `json:"currency"`
	Exchange    string            `json:"exchange"` // the exchange rate to MXN
	Items       []Line            `json:"items"`
	PaymentForm string            `json:"payment_form"`
	Invoice     *string           `json:"invoice"` // the invoice that includes it
	Metadata    map[string]string `json:"metadata"`
	LastSend    *SendRecord       `json:"last_send"`
	Totals
}

// ReceiptInput is the body of Receipts.Create.
type ReceiptInput struct {
	Currency    string            `json:"currency,omitempty"`
	Exchange    string            `json:"exchange,omitempty"` // a decimal, required unless the currency is MXN
	Items       []ItemInput       `json:"items"`
	PaymentForm string            `json:"payment_form"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// Retention is a certificate of the taxes withheld from a client over a
// period. Status is draft, valid (issued) or canceled.
type Retention struct {
	ID         string            `json:"id"` // ret_...
	Object     string            `json:"object"`
	Livemode   bool              `json:"livemode"`
	CreatedAt  *time.Time        `json:"created_at"`
	UpdatedAt  *time.Time        `json:"updated_at"`
	Status     string            `json:"status"`
	Client     string            `json:"client"`
	Details    ClientSnapshot    `json:"client_details"`
	Key        string            `json:"key"` // SAT c_CveRetenc
	Period     RetentionPeriod   `json:"period"`
	Concepts   []Line            `json:"concepts"`
	Metadata   map[string]string `json:"metadata"`
	IssuedAt   *time.Time        `json:"issued_at"`
	CanceledAt *time.Time        `json:"canceled_at"`
	LastSend   *SendRecord       `json:"last_send"`
	Totals
}

// RetentionInput is the body of Retentions.Create: each concept is an
// operation amount with the taxes withheld from it.
type RetentionInput struct {
	Client   string             `json:"client"`
	Key      string             `json:"key,omitempty"` // SAT c_CveRetenc, default "25"
	Period   RetentionPeriod    `json:"period"`
	Concepts []RetentionConcept `json:"concepts"`
	Metadata map[string]string  `json:"metadata,omitempty"`
}

// RetentionPeriod is the months of one year a certificate covers.
type RetentionPeriod struct {
	FromMonth int `json:"from_month"`
	ToMonth   int `json:"to_month"`
	Year      int `json:"year"`
}

// RetentionConcept is one operation of a retention request.
type RetentionConcept struct {
	Description string     `json:"description"`
	Amount      string     `json:"amount,omitempty"` // required: a decimal, e.g. "10.00"
	Taxes       []TaxInput `json:"taxes"`
}
