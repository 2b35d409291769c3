package client

import (
	"context"
	"iter"
	"time"
)

// VerifactuRecord is a VeriFactu billing record of a Spanish
// organization: a registro de alta (an invoice issued) or de anulación
// (an invoice canceled), chained to the previous record of its chain by
// PreviousHash. Test mode keeps its own chain (Livemode false).
type VerifactuRecord struct {
	ID               string     `json:"id"`
	Object           string     `json:"object"` // "verifactu_record"
	Livemode         bool       `json:"livemode"`
	Sequence         int64      `json:"sequence"`
	Kind             string     `json:"kind"` // "alta" or "anulacion"
	Invoice          string     `json:"invoice"`
	Event            string     `json:"event"`
	IssuerNIF        string     `json:"issuer_nif"`
	InvoiceNumber    string     `json:"invoice_number"`
	IssueDate        string     `json:"issue_date"` // dd-mm-yyyy
	InvoiceType      string     `json:"invoice_type"`
	TaxTotal         string     `json:"tax_total"`
	Total            string     `json:"total"`
	GeneratedAt      string     `json:"generated_at"`
	PreviousHash     string     `json:"previous_hash"`
	Hash             string     `json:"hash"`
	FingerprintInput string     `json:"fingerprint_input"` // Hash is its SHA-256, in uppercase hex
	QRURL            string     `json:"qr_url"`
	Status           string     `json:"status"` // "pending", "accepted", "rejected"
	StatusDetail     string     `json:"status_detail"`
	SubmittedAt      *time.Time `json:"submitted_at"`
}

// Verifactu reads the VeriFactu record chain (scope verifactu:read).
type Verifactu struct{ c *Client }

// Records pages the chain in its own order, oldest first: StartingAfter
// is the last record of the page before. Filters may hold "from" and
// "to" (RFC 3339) to read the records generated in a period.
func (s *Verifactu) Records(ctx context.Context, p ListParams) (*Page[VerifactuRecord], error) {
	return list[VerifactuRecord](ctx, s.c, "/v1/verifactu/records", p)
}

// AllRecords iterates over the chain (or a period of it), page by page.
func (s *Verifactu) AllRecords(ctx context.Context, p ListParams) iter.Seq2[VerifactuRecord, error] {
	return all[VerifactuRecord](ctx, s.c, "/v1/verifactu/records", p)
}
