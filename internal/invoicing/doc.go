// Package invoicing holds Facturo's invoicing aggregates: clients, products,
// series, invoices, receipts and retentions. It is pure domain code: no SQL,
// no HTTP, no clock of its own.
//
// Every aggregate follows the same shape:
//
//   - a state struct (Client, Product, ...) folded from its stream's events
//     with Apply / FoldX;
//   - decisions (NewClient, (*Client).Update, ...) that validate their input
//     and return the events to append as []events.Draft, or a *facturo.Error
//     and no events;
//   - View, the public JSON representation, a pure function of the events.
//
// The storage layer appends the drafts with the expected stream version in
// one transaction and stamps event ids, time and tenant; this package never
// sees a database. Amounts are github.com/shopspring/decimal values, never
// floats; ROUNDING.md states the rounding rule.
package invoicing
