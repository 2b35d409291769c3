package invoicing

import (
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
)

// Quote event types. Every transition is an event of the quote's stream.
const (
	QuoteCreated     = "quote.created"
	QuoteUpdated     = "quote.updated"
	QuoteDeleted     = "quote.deleted"
	QuoteSent        = "quote.sent"         // emailed (live mode); the first one also numbers it and opens its link
	QuoteSendSkipped = "quote.send_skipped" // the same in test mode: no email leaves
	QuoteAccepted    = "quote.accepted"
	QuoteRejected    = "quote.rejected"
	QuoteExpired     = "quote.expired"
	QuoteConverted   = "quote.converted"
)

// quoteEvents are the event types of quotes.
var quoteEvents = []events.TypeInfo{
	{Name: QuoteCreated, Description: "A quote draft was created."},
	{Name: QuoteUpdated, Description: "A quote draft was changed; data holds the whole content after the change."},
	{Name: QuoteDeleted, Description: "A quote draft was deleted."},
	{Name: QuoteSent, Description: "A quote is to be emailed (the mailer records the outcome, quote.email_delivered or quote.email_failed); the first send numbers it and opens its public accept/reject link (data.opened)."},
	{Name: QuoteSendSkipped, Description: "Sending a quote was skipped because it is in test mode; the first send still numbers it and opens its public link (data.opened)."},
	{Name: QuoteAccepted, Description: "A sent quote was accepted, through its public link or the API; data records when, how and from which IP."},
	{Name: QuoteRejected, Description: "A sent quote was rejected, through its public link or the API; data records when, how and from which IP."},
	{Name: QuoteExpired, Description: "A sent quote reached its expires_at unanswered; the worker appends this."},
	{Name: QuoteConverted, Description: "An accepted quote was converted into an invoice (once); data names the invoice."},
}

// Quote statuses: draft → sent → accepted | rejected | expired; accepted →
// converted.
const (
	QuoteDraft     = "draft"
	QuoteSentState = "sent"
	QuoteAccept    = "accepted"
	QuoteReject    = "rejected"
	QuoteExpire    = "expired"
	QuoteConvert   = offerConverted
)

// QuoteLinkTTL is how long a quote's public link works when the quote has
// no expires_at.
const QuoteLinkTTL = 30 * 24 * time.Hour

// QuoteInput is the body of POST /v1/quotes.
type QuoteInput struct {
	OfferTerms
	ExpiresAt *time.Time `json:"expires_at,omitempty" facturo:"format=date-time"`
}

// QuotePatch is the body of PATCH /v1/quotes/{id}: a draft only.
type QuotePatch struct {
	OfferPatch
	ExpiresAt *time.Time `json:"expires_at,omitempty" facturo:"format=date-time"`
}

// QuoteContent is the data of quote.created and quote.updated.
type QuoteContent struct {
	OfferContent
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// QuoteSentData is the data of quote.sent and quote.send_skipped: the
// send, and on the first one what opened the quote.
type QuoteSentData struct {
	SendRecord
	Opened *QuoteOpened `json:"opened,omitempty"`
}

// QuoteOpened is what the first send of a quote gives it: its number and
// its public link's token and expiry.
type QuoteOpened struct {
	Numbered
	Token         string    `json:"token"`
	LinkExpiresAt time.Time `json:"link_expires_at"`
}

// Answer is the data of quote.accepted and quote.rejected: when, how
// ("public_link" or "api") and from which IP.
type Answer struct {
	Via    string    `json:"via"`
	IP     string    `json:"ip"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Ways a quote is answered.
const (
	ViaPublicLink = "public_link"
	ViaAPI        = "api"
)

// QuoteExpiredData is the data of quote.expired (and of
// proforma.canceled): when.
type QuoteExpiredData struct {
	At time.Time `json:"at"`
}

// Quote is the state of one quote stream.
type Quote struct {
	Meta
	QuoteContent
	offerState
	Numbered
	Token         string
	LinkExpiresAt time.Time
	Answer        *Answer
	ExpiredAt     time.Time
	Mailing
}

// QuoteView is the public JSON of a quote.
type QuoteView struct {
	ID        string     `json:"id"`
	Object    string     `json:"object"`
	Livemode  bool       `json:"livemode"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	Status    string     `json:"status"`
	OfferView
	ExpiresAt     *time.Time  `json:"expires_at"`
	FolioNumber   *int64      `json:"folio_number"`
	Number        *string     `json:"number"`
	SentAt        *time.Time  `json:"sent_at"`
	PublicURL     *string     `json:"public_url"` // the path of the public accept/reject link, once sent
	LinkExpiresAt *time.Time  `json:"link_expires_at"`
	Answer        *Answer     `json:"answer"`
	ExpiredAt     *time.Time  `json:"expired_at"`
	Invoice       *string     `json:"invoice"`
	LastSend      *SendStatus `json:"last_send"`
	Deleted       bool        `json:"deleted,omitempty"`
}

// PublicQuotePath is the path of a quote's public link.
func PublicQuotePath(token string) string { return "/public/quotes/" + token }

// NewQuote decides a new draft quote.
func NewQuote(in QuoteInput, client *Client, products map[string]*Product) ([]events.Draft, error) {
	c, err := newOffer(in.OfferTerms, client, products)
	if err != nil {
		return nil, err
	}
	return one(QuoteCreated, QuoteContent{OfferContent: c, ExpiresAt: utcPtr(in.ExpiresAt)}), nil
}

// Update decides a change to a draft.
func (q *Quote) Update(p QuotePatch, client *Client, products map[string]*Product) ([]events.Draft, error) {
	if err := q.mustBe("changed", QuoteDraft); err != nil {
		return nil, err
	}
	c, err := q.OfferContent.update(p.OfferPatch, client, products)
	if err != nil {
		return nil, err
	}
	next := QuoteContent{OfferContent: c, ExpiresAt: q.ExpiresAt}
	if p.ExpiresAt != nil {
		next.ExpiresAt = utcPtr(p.ExpiresAt)
	}
	if sameJSON(q.QuoteContent, next) {
		return nil, nil
	}
	return one(QuoteUpdated, next), nil
}

// Delete decides the deletion of a draft.
func (q *Quote) Delete() ([]events.Draft, error) {
	if err := q.mustBe("deleted", QuoteDraft); err != nil {
		return nil, err
	}
	return one(QuoteDeleted, Empty{}), nil
}

// Send decides the emailing of a quote to in.To (default: its client's
// email); in test mode it is recorded as skipped. The first send, of a
// draft, also numbers it (number, from the quote counter) and opens its
// public link (token), which works until the quote expires, or for
// QuoteLinkTTL; a draft whose expires_at has passed cannot be sent. Later
// sends only email it again.
func (q *Quote) Send(in SendInput, number int64, token string, now time.Time) ([]events.Draft, error) {
	if !q.Exists() {
		return nil, notFound("quote", q.ID)
	}
	var opened *QuoteOpened
	if q.Status == QuoteDraft {
		if q.ExpiresAt != nil && !q.ExpiresAt.After(now) {
			return nil, invalidState("The quote expired at %s; change its expires_at before sending it.", q.ExpiresAt.Format(time.RFC3339))
		}
		if number < 1 || token == "" {
			return nil, fmt.Errorf("send quote %s: number %d, token given: %t", q.ID, number, token != "")
		}
		opened = &QuoteOpened{Numbered: Numbered{FolioNumber: number, Number: fmt.Sprintf("Q-%d", number), At: now.UTC()},
			Token: token, LinkExpiresAt: now.UTC().Add(QuoteLinkTTL)}
		if q.ExpiresAt != nil {
			opened.LinkExpiresAt = q.ExpiresAt.UTC()
		}
	}
	drafts, err := decideSend("quote", q.Livemode, in, q.Client.Email, now)
	if err != nil {
		return nil, err
	}
	rec, _ := drafts[0].Data.(SendRecord)
	drafts[0].Data = QuoteSentData{SendRecord: rec, Opened: opened}
	return drafts, nil
}

// AnswerInput is the body of POST /v1/quotes/{id}/reject (and of the
// public link's reject).
type AnswerInput struct {
	Reason string `json:"reason,omitempty" facturo:"max=500"`
}

// Accept decides that a sent quote is accepted; a quote past its
// expires_at is expired, whether or not the worker has recorded it yet.
func (q *Quote) Accept(a Answer) ([]events.Draft, error) {
	return q.answer(QuoteAccepted, "accepted", a)
}

// Reject decides that a sent quote is rejected.
func (q *Quote) Reject(a Answer) ([]events.Draft, error) {
	return q.answer(QuoteRejected, "rejected", a)
}

func (q *Quote) answer(typ, verb string, a Answer) ([]events.Draft, error) {
	if err := q.mustBe(verb, QuoteSentState); err != nil {
		return nil, err
	}
	if q.ExpiresAt != nil && !q.ExpiresAt.After(a.At) {
		return nil, invalidState("The quote expired at %s; it can no longer be %s.", q.ExpiresAt.Format(time.RFC3339), verb)
	}
	if len(a.Reason) > 500 {
		return nil, invalid("reason", "reason has at most 500 characters.")
	}
	a.At = a.At.UTC()
	return one(typ, a), nil
}

// Expire decides that a sent quote whose expires_at is at or before now
// expired; nothing when it is not due (answered, converted, or not yet).
func (q *Quote) Expire(now time.Time) []events.Draft {
	if !q.Exists() || q.Status != QuoteSentState || q.ExpiresAt == nil || q.ExpiresAt.After(now) {
		return nil
	}
	return one(QuoteExpired, QuoteExpiredData{At: now.UTC()})
}

// InvoiceContent is the invoice an accepted quote converts into: its
// lines and totals as they are, with the terms of in.
func (q *Quote) InvoiceContent(in ConvertInput) (InvoiceContent, error) {
	if err := q.mustBe("converted", QuoteAccept); err != nil {
		return InvoiceContent{}, err
	}
	ic, err := q.invoiceContent(in)
	ic.Quote = q.ID
	return ic, err
}

// Convert decides that the quote was converted into invoiceID.
func (q *Quote) Convert(invoiceID string, now time.Time) ([]events.Draft, error) {
	if err := q.mustBe("converted", QuoteAccept); err != nil {
		return nil, err
	}
	return one(QuoteConverted, Converted{Invoice: invoiceID, At: now.UTC()}), nil
}

func (q *Quote) mustBe(verb, status string) error {
	return q.offerState.mustBe("quote", q.Meta, verb, status)
}

// Exists reports whether the quote was created and not deleted.
func (q *Quote) Exists() bool { return q.exists(q.Meta) }

// Apply folds one event into the quote.
func (q *Quote) Apply(e events.Event) error {
	if err := q.apply(e); err != nil {
		return err
	}
	q.stamp(e)
	return nil
}

func (q *Quote) apply(e events.Event) error {
	switch e.Type {
	case QuoteCreated, QuoteUpdated:
		var c QuoteContent
		q.Status = QuoteDraft
		err := decodeInto("quote", e, &c)
		q.QuoteContent = c
		return err
	case QuoteDeleted:
		q.Deleted = true
		return nil
	case QuoteSent, QuoteSendSkipped:
		var d QuoteSentData
		if err := decodeInto("quote", e, &d); err != nil {
			return err
		}
		if d.Opened != nil {
			q.Status, q.Numbered, q.Token, q.LinkExpiresAt = QuoteSentState, d.Opened.Numbered, d.Opened.Token, d.Opened.LinkExpiresAt
		}
		_, err := q.applyMailing("quote", e)
		return err
	case QuoteAccepted, QuoteRejected:
		var a Answer
		q.Status, q.Answer = map[string]string{QuoteAccepted: QuoteAccept, QuoteRejected: QuoteReject}[e.Type], &a
		return decodeInto("quote", e, &a)
	case QuoteExpired:
		var d QuoteExpiredData
		q.Status = QuoteExpire
		err := decodeInto("quote", e, &d)
		q.ExpiredAt = d.At
		return err
	case QuoteConverted:
		var c Converted
		q.Status = QuoteConvert
		err := decodeInto("quote", e, &c)
		q.Invoice = c.Invoice
		return err
	}
	if ok, err := q.applyMailing("quote", e); ok {
		return err
	}
	return unknownEvent("quote", e)
}

// FoldQuote folds a quote stream.
func FoldQuote(history []events.Event) (*Quote, error) { return fold[Quote](history) }

// View is the public JSON of the quote.
func (q *Quote) View() QuoteView {
	v := QuoteView{
		ID: q.ID, Object: "quote", Livemode: q.Livemode,
		CreatedAt: utc(q.CreatedAt), UpdatedAt: utc(q.UpdatedAt), Status: q.Status,
		OfferView: q.OfferContent.view(), ExpiresAt: utcPtr(q.ExpiresAt), SentAt: utc(q.At),
		LinkExpiresAt: utc(q.LinkExpiresAt), Answer: q.Answer, ExpiredAt: utc(q.ExpiredAt), LastSend: q.Mailing.view(), Deleted: q.Deleted,
	}
	if q.FolioNumber > 0 {
		v.FolioNumber, v.Number = &q.FolioNumber, &q.Number
	}
	if q.Token != "" {
		u := PublicQuotePath(q.Token)
		v.PublicURL = &u
	}
	if q.Invoice != "" {
		v.Invoice = &q.Invoice
	}
	return v
}

// PublicQuoteView is what the public link shows: the quote as its client
// reads it, without ids, metadata or the link itself.
type PublicQuoteView struct {
	Object     string         `json:"object"`
	Number     string         `json:"number"`
	Status     string         `json:"status"`
	Client     ClientSnapshot `json:"client"`
	Currency   string         `json:"currency"`
	Items      []LineView     `json:"items"`
	Notes      string         `json:"notes"`
	ExpiresAt  *time.Time     `json:"expires_at"`
	SentAt     *time.Time     `json:"sent_at"`
	AnsweredAt *time.Time     `json:"answered_at"`
	TotalsView
}

// PublicView is the public link's view of the quote.
func (q *Quote) PublicView() PublicQuoteView {
	v := PublicQuoteView{
		Object: "public_quote", Number: q.Number, Status: q.Status, Client: q.Client, Currency: q.Currency,
		Items: lineViews(q.Items), Notes: q.Notes, ExpiresAt: utcPtr(q.ExpiresAt), SentAt: utc(q.At),
		TotalsView: q.Totals.view(),
	}
	v.Client.ID = ""
	if q.Answer != nil {
		v.AnsweredAt = utc(q.Answer.At)
	}
	return v
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return utc(*t)
}

// offerState is the life a quote and a proforma share: a status, the
// deletion of a draft, and the invoice each converts into, once.
type offerState struct {
	Status  string
	Deleted bool
	Invoice string // the invoice it was converted into
}

// offerConverted is the status of a converted quote or proforma.
const offerConverted = "converted"

func (s offerState) exists(m Meta) bool { return m.Version > 0 && !s.Deleted }

// mustBe refuses to verb the offer (noun "quote" or "proforma") unless it
// exists and is in status.
func (s offerState) mustBe(noun string, m Meta, verb, status string) error {
	if !s.exists(m) {
		return notFound(noun, m.ID)
	}
	if s.Status != status {
		if s.Status == offerConverted {
			return invalidState("The %s was already converted into invoice %s; a %s converts once.", noun, s.Invoice, noun)
		}
		return invalidState("The %s is %s; only a %s %s can be %s.", noun, s.Status, status, noun, verb)
	}
	return nil
}
