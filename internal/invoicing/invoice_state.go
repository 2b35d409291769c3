package invoicing

import (
	"time"

	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// Invoice is the state of one invoice (or credit note) stream.
type Invoice struct {
	Meta
	InvoiceContent
	Status  string
	Deleted bool

	FolioNumber int64  // from the series' locked counter, set at issue
	Number      string // e.g. "A-17"
	IssuedAt    time.Time

	Payments  []Payment
	PaidTotal decimal.Decimal
	PaidAt    time.Time

	Cancellation *Cancellation

	CorrectedTotal decimal.Decimal // Σ totals of the credit notes against it
	CreditNotes    []string

	Mailing
}

// Issued is the data of invoice.issued.
type Issued struct {
	Series      string    `json:"series"`
	FolioNumber int64     `json:"folio_number"`
	Number      string    `json:"number"`
	IssuedAt    time.Time `json:"issued_at"`
}

// Payment is the data of invoice.payment_recorded, and one entry of the
// invoice's payments.
type Payment struct {
	Amount      decimal.Decimal `json:"amount"`
	Date        time.Time       `json:"date"`
	PaymentForm string          `json:"payment_form"`
}

// PaidEvent is the data of invoice.paid.
type PaidEvent struct {
	PaidAt time.Time `json:"paid_at"`
}

// Cancellation is the data of invoice.canceled.
type Cancellation struct {
	Reason       string    `json:"reason"`
	Substitution string    `json:"substitution,omitempty"`
	CanceledAt   time.Time `json:"canceled_at"`
}

// Corrected is the data of invoice.corrected, on the original's stream.
type Corrected struct {
	CreditNote string          `json:"credit_note"`
	Amount     decimal.Decimal `json:"amount"`
}

// SendRecord is the data of <kind>.sent and <kind>.send_skipped.
type SendRecord struct {
	To      []string  `json:"to"`
	Skipped bool      `json:"skipped"`
	Reason  string    `json:"reason,omitempty"` // "test_mode" when skipped
	At      time.Time `json:"at"`
}

// Exists reports whether the invoice was created and not deleted.
func (inv *Invoice) Exists() bool { return inv.Version > 0 && !inv.Deleted }

// Balance is what is left to pay (the CFDI "saldo insoluto"): the total
// less payments and less the credit notes issued against the invoice,
// never below zero (a credit note on a paid invoice is a refund owed, not
// a negative balance). A credit note leaves the original valid: it is
// still a valid CFDI, with its balance reduced.
func (inv *Invoice) Balance() decimal.Decimal {
	return decimal.Max(decimal.Zero, inv.Totals.Total.Sub(inv.PaidTotal).Sub(inv.CorrectedTotal))
}

// Apply folds one event into the invoice.
func (inv *Invoice) Apply(e events.Event) error {
	if err := inv.apply(e); err != nil {
		return err
	}
	inv.stamp(e)
	return nil
}

func (inv *Invoice) apply(e events.Event) error {
	switch e.Type {
	case InvoiceCreated, InvoiceUpdated:
		var c InvoiceContent
		inv.Status = StatusDraft
		err := decodeInto("invoice", e, &c)
		inv.InvoiceContent = c
		return err
	case InvoiceDeleted:
		inv.Deleted = true
		return nil
	case InvoiceIssued:
		return inv.applyIssued(e)
	case InvoicePaymentRecorded:
		var p Payment
		if err := decodeInto("invoice", e, &p); err != nil {
			return err
		}
		inv.Payments = append(inv.Payments, p)
		inv.PaidTotal = inv.PaidTotal.Add(p.Amount)
		return nil
	case InvoicePaid:
		var p PaidEvent
		inv.Status = StatusPaid
		err := decodeInto("invoice", e, &p)
		inv.PaidAt = p.PaidAt
		return err
	}
	return inv.applyLater(e)
}

func (inv *Invoice) applyIssued(e events.Event) error {
	var is Issued
	if err := decodeInto("invoice", e, &is); err != nil {
		return err
	}
	inv.Status, inv.Series, inv.FolioNumber, inv.Number, inv.IssuedAt = StatusValid, is.Series, is.FolioNumber, is.Number, is.IssuedAt
	return nil
}

func (inv *Invoice) applyLater(e events.Event) error {
	switch e.Type {
	case InvoiceVoided:
		var c Cancellation
		inv.Status, inv.Cancellation = StatusCanceled, &c
		return decodeInto("invoice", e, &c)
	case InvoiceCorrected:
		var c Corrected
		if err := decodeInto("invoice", e, &c); err != nil {
			return err
		}
		inv.CorrectedTotal = inv.CorrectedTotal.Add(c.Amount)
		inv.CreditNotes = append(inv.CreditNotes, c.CreditNote)
		return nil
	}
	if ok, err := inv.applyMailing("invoice", e); ok {
		return err
	}
	return unknownEvent("invoice", e)
}

// FoldInvoice folds an invoice stream. An empty history gives an invoice
// whose Exists is false.
func FoldInvoice(history []events.Event) (*Invoice, error) { return fold[Invoice](history) }

// FoldInvoiceAsOf folds only the events recorded at or before t: the invoice
// as it was at that moment. Events are in stream order, and a stream's
// events are appended in time order, so it stops at the first later one.
func FoldInvoiceAsOf(history []events.Event, t time.Time) (*Invoice, error) {
	n := 0
	for n < len(history) && !history[n].CreatedAt.After(t) {
		n++
	}
	return FoldInvoice(history[:n])
}
