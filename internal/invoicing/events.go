package invoicing

import (
	"slices"

	"github.com/facturo/facturo/events"
)

// Events are the event types of every invoicing aggregate, each listed
// next to its aggregate.
var Events = slices.Concat(clientEvents, productEvents, seriesEvents,
	invoiceEvents, mailingEvents("invoice", false),
	receiptEvents, mailingEvents("receipt", true),
	retentionEvents, mailingEvents("retention", true),
	recurringEvents, taxRateEvents, quoteEvents, mailingEvents("quote", false),
	proformaEvents, mailingEvents("proforma", true))

// RegisterEvents adds Events to r, with the Objects they are about.
func RegisterEvents(r *events.Registry) error {
	if err := r.Register(Events...); err != nil {
		return err
	}
	kinds := make([]events.ObjectKind, len(Objects))
	for i, o := range Objects {
		kinds[i] = events.ObjectKind{Name: o.Name, FoldView: o.FoldView}
	}
	return r.RegisterObjects(kinds...)
}
