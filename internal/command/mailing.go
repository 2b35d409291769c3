package command

import (
	"context"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// SendReceipt records that a receipt is to be emailed (skipped in test
// mode).
func SendReceipt(ctx context.Context, st Store, t facturo.Tenant, m Meta, receiptID string, in invoicing.ReceiptSendInput) (*invoicing.Receipt, error) {
	return change(ctx, st, t, m, invoicing.ReceiptKind, receiptID, func(_ Tx, r *invoicing.Receipt) ([]events.Draft, error) {
		return r.Send(in, m.Now)
	})
}

// SendRetention records that a retention is to be emailed (skipped in
// test mode).
func SendRetention(ctx context.Context, st Store, t facturo.Tenant, m Meta, retentionID string, in invoicing.SendInput) (*invoicing.Retention, error) {
	return change(ctx, st, t, m, invoicing.RetentionKind, retentionID, func(_ Tx, r *invoicing.Retention) ([]events.Draft, error) {
		return r.Send(in, m.Now)
	})
}

// mailed is a document that can be emailed.
type mailed[V any] interface {
	invoicing.Aggregate[V]
	RecordEmail(kind, sendID string, o invoicing.EmailOutcome, delivered bool) []events.Draft
}

// RecordEmail appends the mailer's outcome of the send event send to its
// document's stream, once: an outcome already recorded for send appends
// nothing (the mailer may retry after a crash). m.Metadata names the send
// event as the cause.
func RecordEmail(ctx context.Context, st Store, m Meta, send events.Event, o invoicing.EmailOutcome, delivered bool) error {
	t := facturo.Tenant{OrgID: send.OrgID, Livemode: send.Livemode}
	m.CausationID, m.Source = send.ID, "worker"
	var err error
	switch kind, _ := invoicing.IsSendEvent(send.Type); kind {
	case invoicing.InvoiceKind.Name:
		err = recordEmail(ctx, st, t, m, invoicing.InvoiceKind, send, o, delivered)
	case invoicing.ReceiptKind.Name:
		err = recordEmail(ctx, st, t, m, invoicing.ReceiptKind, send, o, delivered)
	case invoicing.RetentionKind.Name:
		err = recordEmail(ctx, st, t, m, invoicing.RetentionKind, send, o, delivered)
	case invoicing.QuoteKind.Name:
		err = recordEmail(ctx, st, t, m, invoicing.QuoteKind, send, o, delivered)
	case invoicing.ProformaKind.Name:
		err = recordEmail(ctx, st, t, m, invoicing.ProformaKind, send, o, delivered)
	default:
		err = facturo.Errorf(facturo.CodeInvalidState, "%s is not a send event.", send.Type)
	}
	return err
}

func recordEmail[A mailed[V], V any](ctx context.Context, st Store, t facturo.Tenant, m Meta, k invoicing.Kind[A, V], send events.Event, o invoicing.EmailOutcome, delivered bool) error {
	_, err := run(ctx, st, m, func(tx Tx) (A, error) {
		doc, version, err := load(ctx, tx, t, k, send.StreamID, "id")
		if err != nil {
			return doc, err
		}
		drafts := doc.RecordEmail(k.Name, send.ID, o, delivered)
		if len(drafts) == 0 {
			return doc, nil
		}
		_, err = tx.Append(ctx, stream(t, send.StreamID), version, drafts...)
		return doc, err
	})
	return err
}
