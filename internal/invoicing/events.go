package invoicing

import (
	"slices"

	"github.com/facturo/facturo/events"
)

// Events are the event types of every invoicing aggregate, each listed
// next to its aggregate.
var Events = slices.Concat(clientEvents, productEvents, seriesEvents, invoiceEvents, receiptEvents, retentionEvents)

// RegisterEvents adds Events to r.
func RegisterEvents(r *events.Registry) error { return r.Register(Events...) }
