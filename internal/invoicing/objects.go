package invoicing

import (
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
)

// Aggregate is what every invoicing object offers besides its decisions:
// whether it exists (a deleted one does not) and its public view.
type Aggregate[V any] interface {
	Exists() bool
	View() V
}

// Kind describes one kind of invoicing object: its name in the API, the
// path segment and scope resource of its routes, the id prefix of its
// streams (from package id, the one source of prefixes) and how its stream
// folds. The kinds are declared once, below; the API, the commands and the
// documents projection all take them from here.
type Kind[A Aggregate[V], V any] struct {
	Name   string // "invoice": the object field, not-found messages, event type prefix
	Plural string // "invoices": path segment and scope resource
	Prefix string // id.Invoice
	Fold   func([]events.Event) (A, error)
}

// The invoicing object kinds.
var (
	ClientKind    = Kind[*Client, ClientView]{"client", "clients", id.Client, FoldClient}
	ProductKind   = Kind[*Product, ProductView]{"product", "products", id.Product, FoldProduct}
	SeriesKind    = Kind[*Series, SeriesView]{"series", "series", id.Series, FoldSeries}
	InvoiceKind   = Kind[*Invoice, InvoiceView]{"invoice", "invoices", id.Invoice, FoldInvoice}
	ReceiptKind   = Kind[*Receipt, ReceiptView]{"receipt", "receipts", id.Receipt, FoldReceipt}
	RetentionKind = Kind[*Retention, RetentionView]{"retention", "retentions", id.Retention, FoldRetention}
	RecurringKind = Kind[*RecurringInvoice, RecurringInvoiceView]{"recurring_invoice", "recurring_invoices", id.RecurringInvoice, FoldRecurringInvoice}
	TaxRateKind   = Kind[*TaxRate, TaxRateView]{"tax_rate", "tax_rates", id.TaxRate, FoldTaxRate}
	QuoteKind     = Kind[*Quote, QuoteView]{"quote", "quotes", id.Quote, FoldQuote}
	ProformaKind  = Kind[*Proforma, ProformaView]{"proforma", "proformas", id.Proforma, FoldProforma}
)

// Objects lists every invoicing object kind, without its types: what the
// documents projection keeps and what has a history route.
var Objects = []Object{
	ClientKind.Object(), ProductKind.Object(), SeriesKind.Object(),
	InvoiceKind.Object(), ReceiptKind.Object(), RetentionKind.Object(),
	RecurringKind.Object(),
	TaxRateKind.Object(), QuoteKind.Object(), ProformaKind.Object(),
}

// Object is a Kind without its type parameters.
type Object struct {
	Name, Plural, Prefix string
	Scope                string // the resource of its scopes (Kind.Scope)
	// FoldView folds a stream and returns the view of the object and
	// whether it exists.
	FoldView func(history []events.Event) (view any, exists bool, err error)
}

// Object returns k without its type parameters.
func (k Kind[A, V]) Object() Object {
	return Object{Name: k.Name, Plural: k.Plural, Prefix: k.Prefix, Scope: k.Scope(),
		FoldView: func(h []events.Event) (any, bool, error) {
			a, err := k.Fold(h)
			if err != nil {
				return nil, false, err
			}
			return a.View(), a.Exists(), nil
		}}
}

// Scope is the resource of the kind's scopes (<scope>:read...): its
// plural, but "taxes" for tax rates, the name of the scope catalogue that
// Facturo follows.
func (k Kind[A, V]) Scope() string {
	if k.Plural == "tax_rates" {
		return "taxes"
	}
	return k.Plural
}

// Has reports whether objID is shaped like an id of this kind.
func (k Kind[A, V]) Has(objID string) bool { return id.Has(objID, k.Prefix) }

// New returns a new id of this kind.
func (k Kind[A, V]) New() string { return id.New(k.Prefix) }

// FoldExisting folds the history of objID and fails with not found unless
// the object exists.
//
// Event types are named "<object>.<verb>", so a stream that did not start
// with one of this kind's events is some other kind of object (a product id
// where a client is expected): not found, never folded.
func (k Kind[A, V]) FoldExisting(objID string, history []events.Event) (A, error) {
	var zero A
	if len(history) > 0 && !strings.HasPrefix(history[0].Type, k.Name+".") {
		return zero, facturo.NotFound(k.Name, objID)
	}
	a, err := k.Fold(history)
	if err != nil {
		return zero, err
	}
	if !a.Exists() {
		return zero, facturo.NotFound(k.Name, objID)
	}
	return a, nil
}
