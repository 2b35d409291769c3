package invoicing

import (
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
)

// Emailing a document, the same for invoices, receipts and retentions:
// <kind>.sent asks the mailer (a consumer of the event in the worker) to
// deliver, and the mailer appends the outcome, <kind>.email_delivered or
// <kind>.email_failed, to the same stream. In test mode nothing leaves:
// <kind>.send_skipped is the whole story.
const (
	suffixSent           = ".sent"
	suffixSendSkipped    = ".send_skipped"
	suffixEmailDelivered = ".email_delivered"
	suffixEmailFailed    = ".email_failed"
)

// Email event types of invoices (see mailingEvents for the others).
const (
	InvoiceEmailDelivered = "invoice" + suffixEmailDelivered
	InvoiceEmailFailed    = "invoice" + suffixEmailFailed
)

// Statuses of a document's last_send.
const (
	SendPending   = "pending"   // <kind>.sent: the mailer has not answered yet
	SendDelivered = "delivered" // the SMTP server accepted the message
	SendFailed    = "failed"    // it refused it, or email is not configured
	SendSkipped   = "skipped"   // test mode: nothing left
)

// MailedKinds are the object kinds that can be emailed.
var MailedKinds = []string{"invoice", "receipt", "retention", "quote", "proforma"}

// mailingEvents are the email event types of kind (invoice.sent and
// invoice.send_skipped are declared with the other invoice events).
func mailingEvents(kind string, withSend bool) []events.TypeInfo {
	a := "a " + kind
	if kind == "invoice" {
		a = "an " + kind
	}
	var out []events.TypeInfo
	if withSend {
		out = append(out,
			events.TypeInfo{Name: kind + suffixSent, Description: fmt.Sprintf("A %s is to be emailed; the mailer records the outcome (%s.email_delivered or %s.email_failed).", kind, kind, kind)},
			events.TypeInfo{Name: kind + suffixSendSkipped, Description: fmt.Sprintf("Sending %s was skipped because it is in test mode.", a)})
	}
	return append(out,
		events.TypeInfo{Name: kind + suffixEmailDelivered, Description: fmt.Sprintf("The SMTP server accepted the email of %s.", a)},
		events.TypeInfo{Name: kind + suffixEmailFailed, Description: fmt.Sprintf("The email of %s could not be delivered; data holds the SMTP answer or the reason.", a)})
}

// EmailOutcome is the data of <kind>.email_delivered and
// <kind>.email_failed.
type EmailOutcome struct {
	Send      string    `json:"send"`       // the id of the <kind>.sent event it answers
	MessageID string    `json:"message_id"` // the Message-ID header, the same on every retry
	SMTPCode  int       `json:"smtp_code,omitempty"`
	Message   string    `json:"message,omitempty"` // the SMTP answer, or why nothing was tried
	At        time.Time `json:"at"`
}

// SendStatus is a document's last_send: the last send and where it stands.
type SendStatus struct {
	To      []string  `json:"to"`
	Skipped bool      `json:"skipped"`
	Reason  string    `json:"reason,omitempty"` // "test_mode" when skipped
	At      time.Time `json:"at"`
	Status  string    `json:"status"`
	Error   *string   `json:"error"` // the SMTP answer or the reason of a failure
}

// Mailing is the emailing state of a document.
type Mailing struct {
	LastSend  *SendStatus
	lastEvent string          // the id of the event LastSend comes from
	answered  map[string]bool // send events with a recorded outcome
}

// EmailAnswered reports whether the outcome of the send event sendID is
// recorded: the mailer then never sends it again.
func (m *Mailing) EmailAnswered(sendID string) bool { return m.answered[sendID] }

// applyMailing folds an email event of kind; ok is false for any other.
func (m *Mailing) applyMailing(kind string, e events.Event) (ok bool, err error) {
	switch e.Type {
	case kind + suffixSent, kind + suffixSendSkipped:
		var s SendRecord
		if err := decodeInto(kind, e, &s); err != nil {
			return true, err
		}
		status := SendPending
		if s.Skipped {
			status = SendSkipped
		}
		m.LastSend = &SendStatus{To: s.To, Skipped: s.Skipped, Reason: s.Reason, At: s.At, Status: status}
		m.lastEvent = e.ID
		return true, nil
	case kind + suffixEmailDelivered, kind + suffixEmailFailed:
		var o EmailOutcome
		if err := decodeInto(kind, e, &o); err != nil {
			return true, err
		}
		if m.answered == nil {
			m.answered = map[string]bool{}
		}
		m.answered[o.Send] = true
		if m.LastSend != nil && o.Send == m.lastEvent {
			m.LastSend.Status, m.LastSend.Error = SendDelivered, nil
			if e.Type == kind+suffixEmailFailed {
				msg := o.Message
				m.LastSend.Status, m.LastSend.Error = SendFailed, &msg
			}
		}
		return true, nil
	}
	return false, nil
}

// view is a copy of the last send for a view.
func (m *Mailing) view() *SendStatus {
	if m.LastSend == nil {
		return nil
	}
	c := *m.LastSend
	c.To = append([]string{}, c.To...)
	return &c
}

// ReceiptSendInput is the body of POST /v1/receipts/{id}/send: a receipt
// has no client, so the recipients are required.
type ReceiptSendInput struct {
	To Recipients `json:"to" facturo:"required;format=email;max=10"`
}

// decideSend validates the recipients (defaultTo when in names none) and
// decides <kind>.sent, or <kind>.send_skipped in test mode.
func decideSend(kind string, livemode bool, in SendInput, defaultTo string, now time.Time) ([]events.Draft, error) {
	to := in.To
	if len(to) == 0 && defaultTo != "" {
		to = []string{defaultTo}
	}
	if len(to) == 0 {
		return nil, missingBecause("to", "The client has no email; give the recipients in to.")
	}
	if len(to) > 10 {
		return nil, invalid("to", "at most 10 recipients.")
	}
	for i, addr := range to {
		if err := validateEmail(fmt.Sprintf("to[%d]", i), addr); err != nil {
			return nil, err
		}
	}
	if !livemode {
		return one(kind+suffixSendSkipped, SendRecord{To: to, Skipped: true, Reason: "test_mode", At: now.UTC()}), nil
	}
	return one(kind+suffixSent, SendRecord{To: to, At: now.UTC()}), nil
}

// RecordEmail decides the outcome of the send event sendID of kind:
// delivered when failure is nil. An outcome already recorded for sendID
// decides nothing, so a mailer that retries after a crash appends it once.
func (m *Mailing) RecordEmail(kind, sendID string, o EmailOutcome, delivered bool) []events.Draft {
	if m.EmailAnswered(sendID) {
		return nil
	}
	o.Send = sendID
	if delivered {
		return one(kind+suffixEmailDelivered, o)
	}
	return one(kind+suffixEmailFailed, o)
}

// IsEmailOutcome reports whether typ is an email outcome
// (<kind>.email_delivered or <kind>.email_failed): events the mailer
// appends, which change nothing any other decision reads.
func IsEmailOutcome(typ string) bool {
	for _, k := range MailedKinds {
		if typ == k+suffixEmailDelivered || typ == k+suffixEmailFailed {
			return true
		}
	}
	return false
}

// IsSendEvent reports whether typ is the <kind>.sent of an emailed kind,
// and which kind.
func IsSendEvent(typ string) (kind string, ok bool) {
	for _, k := range MailedKinds {
		if typ == k+suffixSent {
			return k, true
		}
	}
	return "", false
}
