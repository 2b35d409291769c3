// Package id makes the public identifiers of Facturo objects: a short type
// prefix and a ULID, e.g. "evt_01JD3Q6Z8W4N5T2Y7R9K0M1P3B". ULIDs sort by
// creation time, which is what list pagination and humans both want.
package id

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// Prefixes of every object type.
const (
	Event          = "evt"
	Request        = "req"
	User           = "usr"
	Organization   = "org"
	Key            = "key"
	Client         = "cli"
	Product        = "prd"
	Invoice        = "inv"
	Series         = "ser"
	Receipt        = "rcp"
	Retention      = "ret"
	TaxRate        = "txr"
	Quote          = "quo"
	Proforma       = "pfi"
	WebhookEndpt   = "we"
	Delivery       = "del"
	DeliveryAttemp = "att"
	BillingRecord  = "vfr" // a VeriFactu billing record
	// RecurringInvoice is a recurring invoice template; RecurringRun one
	// run of it, which generated invoices name as their causation.
	RecurringInvoice = "rinv"
	RecurringRun     = "rrun"
)

// New returns prefix + "_" + a new ULID. ulid.Make is safe for concurrent
// use and monotonic within one process.
func New(prefix string) string {
	return prefix + "_" + ulid.Make().String()
}

// Has reports whether s looks like an id of the given prefix. It checks the
// shape only; whether the object exists is the store's business.
func Has(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}
