// Package verifactu holds the billing records of Spain's VERI*FACTU system
// (Real Decreto 1007/2023, Orden HAC/1177/2024) as pure values: the
// registro de alta (an invoice issued, or a rectifying invoice) and the
// registro de anulación (an invoice canceled), their fingerprint (huella)
// in the format AEAT's "Detalle de las especificaciones técnicas para
// generación de la huella o hash de los registros de facturación"
// defines, the chaining of each record to the previous one of its chain,
// a verifier that names the first broken link, and the QR code an invoice
// carries.
//
// It imports neither PostgreSQL nor NATS: internal/postgres stores the
// chain and internal/command decides when a record is made.
package verifactu

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kinds of billing record.
const (
	KindAlta      = "alta"      // registro de alta: an invoice issued (or rectifying)
	KindAnulacion = "anulacion" // registro de anulación: an invoice canceled
)

// TypeComplete is the TipoFactura (AEAT list L2) of an invoice that has
// no Spanish kind: a factura completa. The others (F2, R1 to R5) are the
// invoice's own kind (internal/jurisdiction/es).
const TypeComplete = "F1"

// Submission statuses of a record. Every record is made pending; a
// Submitter moves it on.
const (
	StatusPending  = "pending"  // not yet accepted by anyone
	StatusAccepted = "accepted" // accepted (in test mode: by the sandbox submitter)
	StatusRejected = "rejected" // refused; Detail says why
)

// Entry is what the caller knows of a record before it enters its chain:
// everything but its place, its previous fingerprint and its own.
type Entry struct {
	Kind      string // KindAlta or KindAnulacion
	InvoiceID string // the Facturo invoice the record is about
	EventID   string // the event that caused it (invoice.issued, invoice.voided)

	IssuerNIF     string    // IDEmisorFactura: the organization's NIF
	InvoiceNumber string    // NumSerieFactura: series and number, e.g. "A-17"
	IssueDate     time.Time // FechaExpedicionFactura (the day in Spain)

	// Only in a registro de alta.
	InvoiceType string          // TipoFactura: F1, F2, R1...
	TaxTotal    decimal.Decimal // CuotaTotal: the taxes charged (IVA and recargo)
	Total       decimal.Decimal // ImporteTotal: base plus taxes charged, before withholding

	GeneratedAt time.Time // FechaHoraHusoGenRegistro
}

// Record is one link of a chain: an Entry at its place, with the previous
// record's fingerprint and its own.
type Record struct {
	Entry
	ID       string
	OrgID    string
	Livemode bool
	Sequence int64 // 1 for the first record of the chain, then one more each

	PreviousHash string // "" for the first record
	Hash         string // the huella: 64 uppercase hexadecimal digits

	Status      string // StatusPending, StatusAccepted, StatusRejected
	Detail      string // why, for a rejection; who accepted it
	SubmittedAt time.Time
}

// Link places e after prev (nil: e is the first record of its chain) and
// computes its fingerprint.
func Link(prev *Record, e Entry) Record {
	r := Record{Entry: e, Sequence: 1, Status: StatusPending}
	if prev != nil {
		r.Sequence, r.PreviousHash = prev.Sequence+1, prev.Hash
	}
	r.Hash = Fingerprint(r.Entry, r.PreviousHash)
	return r
}
