package verifactu

import "time"

// RecordView is the public JSON of a billing record (GET
// /v1/verifactu/records): the fields its fingerprint is computed over,
// as AEAT formats them, the text that was hashed, and the chain links.
type RecordView struct {
	ID       string `json:"id"`
	Object   string `json:"object" facturo:"enum=verifactu_record"`
	Livemode bool   `json:"livemode"` // false: the test-mode chain, never submitted to the AEAT
	Sequence int64  `json:"sequence"` // 1 for the first record of the chain
	Kind     string `json:"kind" facturo:"enum=alta|anulacion"`
	Invoice  string `json:"invoice"`
	Event    string `json:"event"` // the event that caused the record

	IssuerNIF     string `json:"issuer_nif"`
	InvoiceNumber string `json:"invoice_number"`
	IssueDate     string `json:"issue_date"`   // dd-mm-yyyy
	InvoiceType   string `json:"invoice_type"` // F1, R4...; "" in an anulación
	TaxTotal      string `json:"tax_total"`    // CuotaTotal; "0.00" in an anulación
	Total         string `json:"total"`        // ImporteTotal; "0.00" in an anulación
	GeneratedAt   string `json:"generated_at"` // FechaHoraHusoGenRegistro, with the Spanish offset

	PreviousHash     string `json:"previous_hash"` // "" for the first record
	Hash             string `json:"hash"`
	FingerprintInput string `json:"fingerprint_input"` // the text whose SHA-256 is hash
	QRURL            string `json:"qr_url"`            // ValidarQR of the invoice; "" in an anulación

	Status       string     `json:"status" facturo:"enum=pending|accepted|rejected"`
	StatusDetail string     `json:"status_detail"`
	SubmittedAt  *time.Time `json:"submitted_at"`
}

// View is r's public representation.
func (r Record) View() RecordView {
	v := RecordView{
		ID: r.ID, Object: "verifactu_record", Livemode: r.Livemode, Sequence: r.Sequence, Kind: r.Kind,
		Invoice: r.InvoiceID, Event: r.EventID, IssuerNIF: r.IssuerNIF, InvoiceNumber: r.InvoiceNumber,
		IssueDate: Date(r.IssueDate), InvoiceType: r.InvoiceType, TaxTotal: Amount(r.TaxTotal), Total: Amount(r.Total),
		GeneratedAt: Timestamp(r.GeneratedAt), PreviousHash: r.PreviousHash, Hash: r.Hash,
		FingerprintInput: FingerprintInput(r.Entry, r.PreviousHash),
		Status:           r.Status, StatusDetail: r.Detail,
	}
	if r.Kind == KindAlta {
		v.QRURL = QRURL(r.Entry, r.Livemode)
	}
	if !r.SubmittedAt.IsZero() {
		at := r.SubmittedAt
		v.SubmittedAt = &at
	}
	return v
}
