package invoicing

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/shopspring/decimal"
)

// mustBe checks that the invoice exists and is in one of the statuses.
func (inv *Invoice) mustBe(action string, statuses ...string) error {
	if !inv.Exists() {
		return notFound("invoice", inv.ID)
	}
	for _, s := range statuses {
		if inv.Status == s {
			return nil
		}
	}
	return invalidState("The invoice is %s; it cannot be %s.", inv.Status, action)
}

// Update decides a change to a draft. client is the stored client that
// p.Client names (ignored when p.Client is nil); products holds the stored
// products p.Items names. A patch that changes nothing decides no events.
func (inv *Invoice) Update(p InvoicePatch, client *Client, products map[string]*Product) ([]events.Draft, error) {
	if err := inv.mustBe("updated", StatusDraft); err != nil {
		return nil, err
	}
	next, err := inv.patched(p, client, products)
	if err != nil {
		return nil, err
	}
	if sameJSON(inv.InvoiceContent, next) {
		return nil, nil
	}
	return one(InvoiceUpdated, next), nil
}

func (inv *Invoice) patched(p InvoicePatch, client *Client, products map[string]*Product) (InvoiceContent, error) {
	c := inv.InvoiceContent
	if p.Client != nil {
		if c.Global != nil {
			return c, invalid("client", "a global invoice has no client.")
		}
		if err := c.setClient(*p.Client, client, nil); err != nil {
			return c, err
		}
	}
	r := c.rules()
	if p.Items != nil {
		lines, err := resolveLinesIn(r, *p.Items, products)
		if err != nil {
			return c, err
		}
		c.Items, c.Totals = lines, r.Taxes.Totals(lines)
	}
	setIf(&c.Series, p.Series)
	setIf(&c.Currency, p.Currency)
	setIf(&c.PaymentForm, p.PaymentForm)
	setIf(&c.PaymentMethod, p.PaymentMethod)
	setIf(&c.Use, p.Use)
	setIf(&c.Notes, p.Notes)
	setIf(&c.Kind, p.Kind)
	if p.Exchange != nil {
		c.Exchange = *p.Exchange
	}
	if p.Metadata != nil {
		c.Metadata = copyMetadata(p.Metadata)
	}
	if err := c.normalize(); err != nil {
		return c, err
	}
	if home := r.Documents.Currency(); inv.Currency == home && p.Exchange == nil { // a switch to a foreign currency names its rate
		return c, requireExchange(home, c.Currency, nil)
	}
	return c, nil
}

// Delete decides the deletion of a draft; issued invoices are canceled.
func (inv *Invoice) Delete() ([]events.Draft, error) {
	if err := inv.mustBe("deleted", StatusDraft); err != nil {
		return nil, err
	}
	return one(InvoiceDeleted, Empty{}), nil
}

// Issue decides draft → valid. number is the folio the caller took from the
// series' gapless counter: a PostgreSQL row locked (SELECT ... FOR UPDATE)
// and incremented in the same transaction that appends these events, so a
// number is never given twice nor skipped. series is the invoice's series
// (inv.Series), or nil if it was never created; it gives the prefix.
func (inv *Invoice) Issue(series *Series, number int64, now time.Time) ([]events.Draft, error) {
	if err := inv.mustBe("issued", StatusDraft); err != nil {
		return nil, err
	}
	if series != nil && series.Code != inv.Series {
		return nil, fmt.Errorf("issue invoice %s: series %s given for series %s", inv.ID, series.Code, inv.Series)
	}
	if number < 1 {
		return nil, fmt.Errorf("issue invoice %s: folio number %d from the counter is not positive", inv.ID, number)
	}
	return one(InvoiceIssued, Issued{
		Series: inv.Series, FolioNumber: number,
		Number: series.FormatNumber(inv.Series, number), IssuedAt: now.UTC(),
	}), nil
}

// PaymentInput is the body of POST /v1/invoices/{id}/pay. Amount
// defaults to the balance, date to now, payment_form to the invoice's.
type PaymentInput struct {
	Amount      *decimal.Decimal `json:"amount,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,2})?$"`
	Date        *time.Time       `json:"date,omitempty"`
	PaymentForm string           `json:"payment_form,omitempty" facturo:"pattern=^[0-9]{2}$"`
}

// Pay decides a payment of a valid invoice. Partial payments are allowed:
// each one is an invoice.payment_recorded; the one that settles the balance
// is followed by invoice.paid and the status becomes paid. Credit notes are
// not paid.
func (inv *Invoice) Pay(in PaymentInput, now time.Time) ([]events.Draft, error) {
	if err := inv.mustBe("paid", StatusValid); err != nil {
		return nil, err
	}
	if inv.Type == TypeEgress {
		return nil, invalidState("A credit note is not paid.")
	}
	if inv.Balance().IsZero() {
		return nil, invalidState("Nothing is left to pay: credit notes cover the balance.")
	}
	p, err := inv.payment(in, now)
	if err != nil {
		return nil, err
	}
	drafts := one(InvoicePaymentRecorded, p)
	if p.Amount.Equal(inv.Balance()) {
		drafts = append(drafts, draft(InvoicePaid, PaidEvent{PaidAt: p.Date}))
	}
	return drafts, nil
}

func (inv *Invoice) payment(in PaymentInput, now time.Time) (Payment, error) {
	p := Payment{Amount: inv.Balance(), Date: now.UTC(), PaymentForm: orDefault(in.PaymentForm, inv.PaymentForm)}
	if in.Amount != nil {
		p.Amount = *in.Amount
	}
	if in.Date != nil {
		p.Date = in.Date.UTC()
	}
	if p.Amount.Sign() <= 0 || !hasMaxPlaces(p.Amount, moneyPlaces) || p.Amount.GreaterThan(inv.Balance()) {
		return p, invalid("amount", "amount must be greater than 0, with at most 2 decimals, and at most the balance %s.", fmtMoney(inv.Balance()))
	}
	if p.PaymentForm == PaymentFormUndefined {
		return p, missing("payment_form")
	}
	return p, matches(paymentFormPattern, "payment_form", p.PaymentForm, "a SAT payment form code")
}

// CancelInput is the body of POST /v1/invoices/{id}/void. Reason is the
// SAT cancellation motive: "01" issued with errors, replaced by the
// invoice named in substitution; "02" issued with errors, not replaced;
// "03" the operation did not happen; "04" nominative operation included in
// a global invoice.
type CancelInput struct {
	Reason       string `json:"reason" facturo:"required;enum=01|02|03|04"`
	Substitution string `json:"substitution,omitempty"`
}

// Cancel decides valid or paid → canceled. A draft is deleted instead.
// substitute is the stored invoice of the same organization and mode that
// in.Substitution names (nil if there is none): with motive 01 it must be
// another issued invoice of the same type.
func (inv *Invoice) Cancel(in CancelInput, substitute *Invoice, now time.Time) ([]events.Draft, error) {
	if err := inv.mustBe("canceled", StatusValid, StatusPaid); err != nil {
		return nil, err
	}
	if err := inv.rules().Corrections.CheckCancel(inv, in, substitute); err != nil {
		return nil, err
	}
	return one(InvoiceVoided, Cancellation{Reason: in.Reason, Substitution: in.Substitution, CanceledAt: now.UTC()}), nil
}

// CheckCancel implements CorrectionRules: the SAT motives.
func (mxCorrections) CheckCancel(inv *Invoice, in CancelInput, substitute *Invoice) error {
	switch in.Reason {
	case "":
		return missing("reason")
	case "01":
		if in.Substitution == "" {
			return missingBecause("substitution", "Motive 01 needs the invoice that replaces this one in substitution.")
		}
		return inv.checkSubstitute(in.Substitution, substitute)
	case "02", "03", "04":
		if in.Substitution != "" {
			return invalid("substitution", "Only motive 01 names a substitution.")
		}
		return nil
	}
	return invalid("reason", "reason is a SAT cancellation motive: 01, 02, 03 or 04.")
}

// checkSubstitute accepts as the substitution of inv another issued
// (valid or paid) invoice of the same type.
func (inv *Invoice) checkSubstitute(subID string, sub *Invoice) error {
	if subID == inv.ID {
		return invalid("substitution", "An invoice cannot substitute itself; name the invoice that replaces it.")
	}
	if sub == nil || !sub.Exists() || sub.ID != subID {
		e := notFound("invoice", subID)
		e.Param = "substitution"
		return e
	}
	if sub.Status != StatusValid && sub.Status != StatusPaid {
		return invalid("substitution", "The substitution must be an issued invoice (valid or paid); %s is %s.", sub.ID, sub.Status)
	}
	if sub.Type != inv.Type {
		return invalid("substitution", "The substitution must be of the same type as the invoice it replaces (%s).", inv.Type)
	}
	return nil
}

// Duplicate decides the creation of a new draft with the same content, to
// be appended to a new stream whose id the caller chose. Any status may be
// duplicated; a credit note may not (corrections make those).
func (inv *Invoice) Duplicate() ([]events.Draft, error) {
	if !inv.Exists() {
		return nil, notFound("invoice", inv.ID)
	}
	if inv.Type == TypeEgress || inv.Rectification != nil {
		return nil, invalidState("A credit note cannot be duplicated; correct the original invoice instead.")
	}
	c := inv.InvoiceContent
	c.Metadata = copyMetadata(c.Metadata)
	c.Related, c.DuplicateOf, c.Quote, c.Proforma = nil, inv.ID, "", "" // a quote or proforma converts once
	c.RecurringInvoice, c.RecurringPeriod = "", nil                     // a copy was made by hand
	return one(InvoiceCreated, c), nil
}

// SendInput is the body of POST /v1/invoices/{id}/send. To defaults to the
// client's email.
type SendInput struct {
	To Recipients `json:"to,omitempty" facturo:"format=email;max=10"`
}

// Recipients is one email address or a list of them.
type Recipients []string

// UnmarshalJSON accepts "a@b.mx" as well as ["a@b.mx", "c@d.mx"].
func (r *Recipients) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*r = Recipients{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return invalid("to", "to must be an email address or a list of them.")
	}
	*r = list
	return nil
}

// Send decides the emailing of a valid or paid invoice. In test mode no
// email leaves: the decision is invoice.send_skipped with reason
// "test_mode". In live mode invoice.sent asks the mailer (a consumer of the
// event) to deliver.
func (inv *Invoice) Send(in SendInput, now time.Time) ([]events.Draft, error) {
	if err := inv.mustBe("sent", StatusValid, StatusPaid); err != nil {
		return nil, err
	}
	return decideSend("invoice", inv.Livemode, in, inv.Client.Email, now)
}
