package invoicing

import "time"

// InvoiceView is the public JSON of an invoice or credit note. client is the
// client's id (what list filters read), client_details the copy taken when
// the invoice was made. The totals are inlined at the top level.
type InvoiceView struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Livemode      bool              `json:"livemode"`
	CreatedAt     *time.Time        `json:"created_at"`
	UpdatedAt     *time.Time        `json:"updated_at"`
	Type          string            `json:"type"`
	Status        string            `json:"status"`
	Client        string            `json:"client"`
	ClientDetails ClientSnapshot    `json:"client_details"`
	Series        string            `json:"series"`
	FolioNumber   *int64            `json:"folio_number"`
	Number        *string           `json:"number"`
	IssuedAt      *time.Time        `json:"issued_at"`
	Currency      string            `json:"currency"`
	Exchange      string            `json:"exchange"`
	Items         []LineView        `json:"items"`
	PaymentForm   string            `json:"payment_form"`
	PaymentMethod string            `json:"payment_method"`
	Use           string            `json:"use"`
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	Global        *GlobalInfo       `json:"global,omitempty"`
	Related       *Relation         `json:"related,omitempty"`
	DuplicateOf   *string           `json:"duplicate_of"`
	// Kind and Rectification are those of the invoices of ES
	// organizations: F1, F2 or R1 to R5, and what a rectifying one
	// rectifies (docs/spain.md).
	Kind          string             `json:"kind,omitempty" facturo:"enum=F1|F2|R1|R2|R3|R4|R5"`
	Rectification *RectificationView `json:"rectification,omitempty"`
	// RecurringInvoice is the recurring invoice that generated this one
	// (null otherwise); RecurringPeriod the period it was generated for.
	RecurringInvoice *string    `json:"recurring_invoice"`
	RecurringPeriod  *time.Time `json:"recurring_period"`
	Quote            string     `json:"quote,omitempty"`    // the quote it was converted from
	Proforma         string     `json:"proforma,omitempty"` // the proforma it was converted from
	TotalsView
	Payments       []PaymentView `json:"payments"`
	PaidTotal      string        `json:"paid_total"`
	Balance        string        `json:"balance"`
	PaidAt         *time.Time    `json:"paid_at"`
	Cancellation   *Cancellation `json:"cancellation"`
	CorrectedTotal string        `json:"corrected_total"`
	CreditNotes    []string      `json:"credit_notes"`
	LastSend       *SendStatus   `json:"last_send"`
	Deleted        bool          `json:"deleted,omitempty"`
}

// PaymentView is one recorded payment.
type PaymentView struct {
	Amount      string    `json:"amount"`
	Date        time.Time `json:"date"`
	PaymentForm string    `json:"payment_form"`
}

// View is the public JSON of the invoice.
func (inv *Invoice) View() InvoiceView {
	v := InvoiceView{
		ID: inv.ID, Object: "invoice", Livemode: inv.Livemode,
		CreatedAt: utc(inv.CreatedAt), UpdatedAt: utc(inv.UpdatedAt),
		Type: inv.Type, Status: inv.Status, Client: inv.Client.ID, ClientDetails: inv.Client,
		Series: inv.Series, IssuedAt: utc(inv.IssuedAt),
		Currency: inv.Currency, Exchange: fmtPrice(inv.Exchange), Items: lineViews(inv.Items),
		PaymentForm: inv.PaymentForm, PaymentMethod: inv.PaymentMethod, Use: inv.Use, Notes: inv.Notes,
		Metadata: copyMetadata(inv.Metadata), Global: inv.Global, Related: inv.Related,
		Kind: inv.Kind, Rectification: inv.Rectification.view(),
		Quote: inv.Quote, Proforma: inv.Proforma,
		TotalsView: inv.Totals.view(), Payments: make([]PaymentView, len(inv.Payments)),
		PaidTotal: fmtMoney(inv.PaidTotal), Balance: fmtMoney(inv.Balance()), PaidAt: utc(inv.PaidAt),
		Cancellation: inv.Cancellation, CorrectedTotal: fmtMoney(inv.CorrectedTotal),
		CreditNotes: append([]string{}, inv.CreditNotes...), LastSend: inv.view(), Deleted: inv.Deleted,
	}
	if inv.FolioNumber > 0 {
		v.FolioNumber, v.Number = &inv.FolioNumber, &inv.Number
	}
	if inv.DuplicateOf != "" {
		v.DuplicateOf = &inv.DuplicateOf
	}
	if inv.RecurringInvoice != "" {
		v.RecurringInvoice, v.RecurringPeriod = &inv.RecurringInvoice, inv.RecurringPeriod
	}
	for i, p := range inv.Payments {
		v.Payments[i] = PaymentView{Amount: fmtMoney(p.Amount), Date: p.Date.UTC(), PaymentForm: p.PaymentForm}
	}
	return v
}
