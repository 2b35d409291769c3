package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// errUnmailable marks a send event no retry can mail: it is not where it
// says in its stream, or its data or stream cannot be read.
var errUnmailable = errors.New("unmailable send event")

// letter reads what the email of the send event e says: the document as
// it was at e (the PDF renders that version too), the recipients e names,
// and whether the outcome of e is already recorded.
func (m *Mailer) letter(ctx context.Context, kind string, e events.Event) (Letter, bool, error) {
	history, err := m.Commands.Load(ctx, events.Stream{ID: e.StreamID, OrgID: e.OrgID, Livemode: e.Livemode})
	if err != nil {
		return Letter{}, false, err
	}
	v := e.StreamVersion
	if v < 1 || v > len(history) || history[v-1].ID != e.ID {
		return Letter{}, false, fmt.Errorf("%w: %s is not in its stream %s at version %d", errUnmailable, e.ID, e.StreamID, v)
	}
	var rec invoicing.SendRecord
	if err := json.Unmarshal(e.Data, &rec); err != nil {
		return Letter{}, false, fmt.Errorf("%w: decode %s: %v", errUnmailable, e.ID, err)
	}
	l := Letter{MessageID: MessageID(e.ID), Date: e.CreatedAt.UTC(), To: rec.To, Language: "en"}
	answered, err := describe(kind, history, v, &l)
	if err != nil {
		return l, false, fmt.Errorf("%w: %v", errUnmailable, err)
	}
	if m.Issuers != nil {
		if l.Issuer, l.Language, err = m.Issuers.Issuer(ctx, e.OrgID); err != nil {
			return l, false, fmt.Errorf("issuer of %s: %w", e.ID, err)
		}
	}
	l.Title = title(l.Language, l.kind, l.number)
	if l.linkPath != "" && m.Config.PublicURL != "" {
		l.Link = m.Config.PublicURL + l.linkPath
	}
	return l, answered, nil
}

// describe fills l from the document at version v and reports whether
// the send at v has its outcome recorded in the whole history.
func describe(kind string, history []events.Event, v int, l *Letter) (bool, error) {
	sendID := history[v-1].ID
	switch kind {
	case "invoice":
		doc, err := invoicing.FoldInvoice(history[:v])
		if err != nil {
			return false, err
		}
		l.kind, l.number, l.Client, l.Issued = "invoice", doc.Number, doc.Client.LegalName, doc.IssuedAt
		if doc.Type == invoicing.TypeEgress {
			l.kind = "credit_note"
		}
		l.Total, l.Currency = doc.Totals.Total.StringFixed(2), doc.Currency
		now, err := invoicing.FoldInvoice(history)
		return err == nil && now.EmailAnswered(sendID), err
	case "receipt":
		doc, err := invoicing.FoldReceipt(history[:v])
		if err != nil {
			return false, err
		}
		l.kind, l.number, l.Issued = "receipt", doc.ID, doc.CreatedAt
		l.Total, l.Currency = doc.Totals.Total.StringFixed(2), doc.Currency
		now, err := invoicing.FoldReceipt(history)
		return err == nil && now.EmailAnswered(sendID), err
	case "retention":
		doc, err := invoicing.FoldRetention(history[:v])
		if err != nil {
			return false, err
		}
		l.kind, l.number, l.Client, l.Issued = "retention", doc.ID, doc.Client.LegalName, doc.IssuedAt
		l.Total, l.Currency = doc.Totals.Total.StringFixed(2), invoicing.DefaultCurrency
		now, err := invoicing.FoldRetention(history)
		return err == nil && now.EmailAnswered(sendID), err
	case "quote", "proforma":
		return describeOffer(kind, history, v, l)
	}
	return false, fmt.Errorf("no letter for %s", kind)
}

// describeOffer is describe for a quote or a proforma.
func describeOffer(kind string, history []events.Event, v int, l *Letter) (bool, error) {
	sendID := history[v-1].ID
	if kind == "quote" {
		doc, err := invoicing.FoldQuote(history[:v])
		if err != nil {
			return false, err
		}
		l.kind, l.number, l.Client, l.Issued = kind, doc.Number, doc.Client.LegalName, doc.At
		l.Total, l.Currency = doc.Totals.Total.StringFixed(2), doc.Currency
		if doc.Token != "" {
			l.linkPath = invoicing.PublicQuotePath(doc.Token)
		}
		now, err := invoicing.FoldQuote(history)
		return err == nil && now.EmailAnswered(sendID), err
	}
	doc, err := invoicing.FoldProforma(history[:v])
	if err != nil {
		return false, err
	}
	l.kind, l.number, l.Client, l.Issued = kind, doc.Number, doc.Client.LegalName, doc.At
	l.Total, l.Currency = doc.Totals.Total.StringFixed(2), doc.Currency
	now, err := invoicing.FoldProforma(history)
	return err == nil && now.EmailAnswered(sendID), err
}
