package pdf

import (
	"time"

	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
)

// Document is what a PDF shows, whatever kind of object it came from: an
// invoice or credit note, a receipt, a retention certificate. Load builds
// it from the object's stream at one version and from its organization;
// Render lays it out. Everything Render needs is here, so that the same
// Document always gives the same bytes.
type Document struct {
	Kind string // invoice, receipt, retention
	// InvoiceKind is the kind of a Spanish invoice (F1, F2, R1 to R5).
	InvoiceKind string
	ID          string
	Version     int // the object's stream version shown
	Type        string
	Number      string // series-number, "" before issue
	Status      string
	Livemode    bool
	// Date is the issue date (or the creation date before issue); Stamp,
	// the time of the last event shown, is the PDF's creation date.
	Date, Stamp time.Time
	Issuer      accounts.Organization
	Logo        []byte // the organization's logo as an 8-bit PNG, nil without one
	Client      *invoicing.ClientSnapshot
	Currency    string
	Lines       []invoicing.LineView
	Totals      invoicing.TotalsView
	// Facts are labelled values under the totals: payment form and
	// method, use, period, key... in the order shown.
	Facts   []Fact
	Notes   string
	Related []string // sentences naming related documents
	// Verifactu is the address of the VeriFactu QR code of an issued
	// invoice of a Spanish organization, "" for any other document.
	Verifactu string
}

// Fact is one labelled value.
type Fact struct{ Label, Value string }

// Filename is the name a download of the PDF gets: the document's number,
// or its id before it has one.
func (d *Document) Filename() string {
	if d.Number != "" {
		return safeFilename(d.Number) + ".pdf"
	}
	return d.ID + ".pdf"
}

// safeFilename keeps letters, digits, dash, dot and underscore.
func safeFilename(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			out = append(out, r)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}

// Watermarks are the words written across every page: the status of a
// draft or canceled document, and test mode.
func (d *Document) Watermarks() []string {
	var w []string
	switch d.Status {
	case invoicing.StatusDraft:
		w = append(w, "DRAFT")
	case invoicing.StatusCanceled:
		w = append(w, "CANCELED")
	}
	if !d.Livemode {
		w = append(w, "TEST MODE — NO FISCAL VALIDITY")
	}
	return w
}

func fromInvoice(v invoicing.InvoiceView, l labels, fx fiscalText) *Document {
	d := &Document{Kind: "invoice", InvoiceKind: v.Kind, ID: v.ID, Type: v.Type, Status: v.Status, Livemode: v.Livemode,
		Client: &v.ClientDetails, Currency: v.Currency, Lines: v.Items, Totals: v.TotalsView, Notes: v.Notes}
	if v.Number != nil {
		d.Number = *v.Number
	}
	d.Date = dateOf(v.IssuedAt, v.CreatedAt)
	d.Facts = fx.invoiceFacts(l, v)
	if v.Cancellation != nil {
		d.Facts = append(d.Facts, Fact{l.canceledOn, v.Cancellation.CanceledAt.UTC().Format(time.DateOnly)})
	}
	return d
}

func fromReceipt(v invoicing.ReceiptView, l labels) *Document {
	d := &Document{Kind: "receipt", ID: v.ID, Status: v.Status, Livemode: v.Livemode,
		Currency: v.Currency, Lines: v.Items, Totals: v.TotalsView}
	d.Date = dateOf(nil, v.CreatedAt)
	d.Facts = append(d.Facts, Fact{l.paymentForm, l.paymentFormName(v.PaymentForm)})
	if v.Invoice != nil {
		d.Related = append(d.Related, l.receiptInvoiced+" "+*v.Invoice)
	}
	return d
}

func fromRetention(v invoicing.RetentionView, l labels) *Document {
	d := &Document{Kind: "retention", ID: v.ID, Status: v.Status, Livemode: v.Livemode,
		Client: &v.Details, Currency: "MXN", Lines: v.Concepts, Totals: v.TotalsView}
	d.Date = dateOf(v.IssuedAt, v.CreatedAt)
	d.Facts = append(d.Facts,
		Fact{l.retentionKey, v.Key},
		Fact{l.period, l.periodText(v.Period)})
	return d
}

func dateOf(issued, created *time.Time) time.Time {
	if issued != nil {
		return issued.UTC()
	}
	if created != nil {
		return created.UTC()
	}
	return time.Time{}
}

func fromQuote(v invoicing.QuoteView, l labels) *Document {
	d := fromOffer("quote", v.ID, v.Status, v.Livemode, v.OfferView, l)
	if v.Number != nil {
		d.Number = *v.Number
	}
	d.Date = dateOf(v.SentAt, v.CreatedAt)
	if v.ExpiresAt != nil {
		d.Facts = append(d.Facts, Fact{l.validUntil, v.ExpiresAt.UTC().Format(time.DateOnly)})
	}
	d.Facts = append(d.Facts, Fact{l.fiscal, l.notFiscal})
	if v.Invoice != nil {
		d.Related = append(d.Related, l.receiptInvoiced+" "+*v.Invoice)
	}
	return d
}

// fromProforma says, under the totals, that a proforma is not a fiscal
// document.
func fromProforma(v invoicing.ProformaView, l labels) *Document {
	d := fromOffer("proforma", v.ID, v.Status, v.Livemode, v.OfferView, l)
	if v.Number != nil {
		d.Number = *v.Number
	}
	d.Date = dateOf(v.IssuedAt, v.CreatedAt)
	d.Facts = append(d.Facts, Fact{l.fiscal, l.notFiscal})
	if v.Invoice != nil {
		d.Related = append(d.Related, l.receiptInvoiced+" "+*v.Invoice)
	}
	return d
}

func fromOffer(kind, objID, status string, livemode bool, v invoicing.OfferView, l labels) *Document {
	d := &Document{Kind: kind, ID: objID, Status: status, Livemode: livemode,
		Client: &v.ClientDetails, Currency: v.Currency, Lines: v.Items, Totals: v.TotalsView, Notes: v.Notes}
	if v.Currency != "MXN" && v.Exchange != "" {
		d.Facts = append(d.Facts, Fact{l.exchange, v.Exchange})
	}
	return d
}
