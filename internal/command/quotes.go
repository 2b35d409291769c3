package command

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateQuote makes a draft quote, reading its client and products in the
// same transaction.
func CreateQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.QuoteInput) (*invoicing.Quote, error) {
	return create(ctx, st, t, m, invoicing.QuoteKind, func(tx Tx) ([]events.Draft, error) {
		client, products, err := offerRefs(ctx, tx, t, "Quotes", in.Client, in.Items)
		if err != nil {
			return nil, err
		}
		return invoicing.NewQuote(in, client, products)
	})
}

// offerRefs checks that t's organization makes quotes or proformas (what,
// for the refusal: they are Mexican documents for now) and reads the
// client and products a new one names, in tx.
func offerRefs(ctx context.Context, tx Tx, t facturo.Tenant, what, clientID string, items []invoicing.ItemInput) (*invoicing.Client, map[string]*invoicing.Product, error) {
	if err := mexicanOnly(ctx, tx, t, what); err != nil {
		return nil, nil, err
	}
	client, err := loadClient(ctx, tx, t, clientID)
	if err != nil {
		return nil, nil, err
	}
	products, err := loadProducts(ctx, tx, t, items)
	return client, products, err
}

// UpdateQuote applies a patch to a draft quote.
func UpdateQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, p invoicing.QuotePatch) (*invoicing.Quote, error) {
	return change(ctx, st, t, m, invoicing.QuoteKind, quoteID, func(tx Tx, q *invoicing.Quote) ([]events.Draft, error) {
		client, products, err := loadPatchRefs(ctx, tx, t, p.Client, p.Items)
		if err != nil {
			return nil, err
		}
		return q.Update(p, client, products)
	})
}

// DeleteQuote deletes a draft quote.
func DeleteQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, _ None) (*invoicing.Quote, error) {
	return change(ctx, st, t, m, invoicing.QuoteKind, quoteID, func(_ Tx, q *invoicing.Quote) ([]events.Draft, error) {
		return q.Delete()
	})
}

// SendQuote emails a quote (skipped in test mode). The first send, of a
// draft, takes the next number of the quote counter of t (gapless, like
// invoices: the counter row is locked in this transaction), makes the
// public link's token and records the link and the quote's expiry beside
// the send event, all in one transaction.
func SendQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, in invoicing.SendInput) (*invoicing.Quote, error) {
	return change(ctx, st, t, m, invoicing.QuoteKind, quoteID, func(tx Tx, q *invoicing.Quote) ([]events.Draft, error) {
		if q.Status != invoicing.QuoteDraft { // a later send numbers nothing
			return q.Send(in, 0, "", m.Now)
		}
		if _, err := q.Send(in, 1, "-", m.Now); err != nil { // refuse before taking a number
			return nil, err
		}
		_, number, err := tx.TakeNumber(ctx, t, invoicing.QuoteCounter)
		if err != nil {
			return nil, err
		}
		token := rand.Text() + rand.Text() // 52 base32 characters: 260 random bits
		drafts, err := q.Send(in, number, token, m.Now)
		if err != nil {
			return nil, err
		}
		sent, _ := drafts[0].Data.(invoicing.QuoteSentData)
		if err := tx.SaveQuoteLink(ctx, t, q.ID, TokenSHA256(token), sent.Opened.LinkExpiresAt); err != nil {
			return nil, err
		}
		if q.ExpiresAt != nil {
			err = tx.ScheduleQuoteExpiry(ctx, t, q.ID, *q.ExpiresAt)
		}
		return drafts, err
	})
}

// TokenSHA256 is the digest under which a public link's token is kept.
func TokenSHA256(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// SendProforma emails an issued proforma (skipped in test mode).
func SendProforma(ctx context.Context, st Store, t facturo.Tenant, m Meta, proformaID string, in invoicing.SendInput) (*invoicing.Proforma, error) {
	return change(ctx, st, t, m, invoicing.ProformaKind, proformaID, func(_ Tx, pf *invoicing.Proforma) ([]events.Draft, error) {
		return pf.Send(in, m.Now)
	})
}

// AcceptQuote records that a sent quote was accepted through the API.
func AcceptQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, _ None) (*invoicing.Quote, error) {
	return AnswerQuote(ctx, st, t, m, quoteID, true, invoicing.Answer{Via: invoicing.ViaAPI})
}

// RejectQuote records that a sent quote was rejected through the API.
func RejectQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, in invoicing.AnswerInput) (*invoicing.Quote, error) {
	return AnswerQuote(ctx, st, t, m, quoteID, false, invoicing.Answer{Via: invoicing.ViaAPI, Reason: in.Reason})
}

// AnswerQuote accepts (or rejects) a sent quote, recording how, from the
// request's IP (m.IP) and when (m.Now).
func AnswerQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, accept bool, a invoicing.Answer) (*invoicing.Quote, error) {
	a.IP, a.At = m.IP, m.Now
	return change(ctx, st, t, m, invoicing.QuoteKind, quoteID, func(_ Tx, q *invoicing.Quote) ([]events.Draft, error) {
		if accept {
			return q.Accept(a)
		}
		return q.Reject(a)
	})
}

// ConvertQuote makes the invoice of an accepted quote (a draft, or issued
// with the next number of its series when in.Issue) and marks the quote
// converted, in one transaction: the quote's at the version read, so a
// quote converts once, even under concurrent requests. It returns the
// invoice.
func ConvertQuote(ctx context.Context, st Store, t facturo.Tenant, m Meta, quoteID string, in invoicing.ConvertInput) (*invoicing.Invoice, error) {
	return convert(ctx, st, t, m, invoicing.QuoteKind, quoteID, in)
}

// offer is a quote or a proforma: what converts into an invoice.
type offer[V any] interface {
	invoicing.Aggregate[V]
	InvoiceContent(invoicing.ConvertInput) (invoicing.InvoiceContent, error)
	Convert(invoiceID string, now time.Time) ([]events.Draft, error)
}

// convert makes the invoice of the offer objID of kind k (a draft, or
// issued when in.Issue) and marks the offer converted, in one
// transaction, at the version read, so an offer converts once. It returns
// the invoice.
func convert[A offer[V], V any](ctx context.Context, st Store, t facturo.Tenant, m Meta, k invoicing.Kind[A, V], objID string, in invoicing.ConvertInput) (*invoicing.Invoice, error) {
	if err := pathID(k, objID); err != nil {
		return nil, err
	}
	return run(ctx, st, m, func(tx Tx) (*invoicing.Invoice, error) {
		o, version, err := load(ctx, tx, t, k, objID, "id")
		if err != nil {
			return nil, err
		}
		content, err := o.InvoiceContent(in)
		if err != nil {
			return nil, err
		}
		inv, err := appendConverted(ctx, tx, t, m, content, in.Issue)
		if err != nil {
			return nil, err
		}
		marked, err := o.Convert(inv.ID, m.Now)
		if err != nil {
			return nil, err
		}
		_, err = tx.Append(ctx, stream(t, objID), version, marked...)
		return inv, err
	})
}

// appendConverted appends the invoice a quote or proforma converts into,
// issued at once (as IssueInvoice issues) when issueNow is set, and
// returns it.
func appendConverted(ctx context.Context, tx Tx, t facturo.Tenant, m Meta, c invoicing.InvoiceContent, issueNow bool) (*invoicing.Invoice, error) {
	r, err := rulesOf(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	if err := requireSeries(ctx, tx, t, r, c.Series); err != nil {
		return nil, err
	}
	st := stream(t, invoicing.InvoiceKind.New())
	created, err := tx.Append(ctx, st, 0, events.Draft{Type: invoicing.InvoiceCreated, Data: c})
	if err != nil {
		return nil, err
	}
	inv, err := invoicing.InvoiceKind.Fold(created)
	if err != nil || !issueNow {
		return inv, err
	}
	inv, _, err = appendTo(ctx, tx, st, created, func() ([]events.Draft, error) { return issue(ctx, tx, t, inv, m.Now) })
	return inv, err
}

// ExpireDueQuote takes one quote expiry due at m.Now (FOR UPDATE SKIP
// LOCKED: workers share them), appends quote.expired if the quote is still
// sent, and deletes the expiry, in one transaction. It reports whether it
// found one: the worker calls it until it does not.
func ExpireDueQuote(ctx context.Context, st Store, m Meta) (bool, error) {
	return run(ctx, st, m, func(tx Tx) (bool, error) {
		t, quoteID, ok, err := tx.NextDueQuote(ctx, m.Now)
		if err != nil || !ok {
			return false, err
		}
		history, err := tx.Load(ctx, stream(t, quoteID))
		if err != nil {
			return false, err
		}
		q, err := invoicing.FoldQuote(history)
		if err != nil {
			return false, err
		}
		if drafts := q.Expire(m.Now); len(drafts) > 0 {
			if _, err := tx.Append(ctx, stream(t, quoteID), len(history), drafts...); err != nil {
				return false, err
			}
		}
		return true, tx.ForgetQuoteExpiry(ctx, t, quoteID)
	})
}

// QuoteExpiryMeta is the Meta of the worker's expiries at now.
func QuoteExpiryMeta(now time.Time) Meta {
	return Meta{Metadata: events.Metadata{Source: "worker"}, Now: now}
}
