package invoicing

import (
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
)

// Pro-forma invoice event types.
const (
	ProformaCreated   = "proforma.created"
	ProformaUpdated   = "proforma.updated"
	ProformaDeleted   = "proforma.deleted"
	ProformaIssued    = "proforma.issued"
	ProformaCanceled  = "proforma.canceled"
	ProformaConverted = "proforma.converted"
)

// proformaEvents are the event types of pro-forma invoices.
var proformaEvents = []events.TypeInfo{
	{Name: ProformaCreated, Description: "A pro-forma invoice draft was created."},
	{Name: ProformaUpdated, Description: "A pro-forma invoice draft was changed; data holds the whole content after the change."},
	{Name: ProformaDeleted, Description: "A pro-forma invoice draft was deleted."},
	{Name: ProformaIssued, Description: "A pro-forma invoice was issued with its number (its own series; not a fiscal document)."},
	{Name: ProformaCanceled, Description: "An issued pro-forma invoice was canceled."},
	{Name: ProformaConverted, Description: "An issued pro-forma invoice was converted into an invoice (once); data names the invoice."},
}

// Pro-forma statuses: draft → issued → converted | canceled.
const (
	ProformaDraft       = "draft"
	ProformaIssuedState = "issued"
	ProformaConvert     = offerConverted
	ProformaCancel      = "canceled"
)

// ProformaInput is the body of POST /v1/proformas.
type ProformaInput struct {
	OfferTerms
}

// ProformaPatch is the body of PATCH /v1/proformas/{id}: a draft only.
type ProformaPatch struct {
	OfferPatch
}

// Proforma is the state of one pro-forma invoice stream.
type Proforma struct {
	Meta
	OfferContent
	offerState
	Numbered
	CanceledAt time.Time
	Mailing
}

// ProformaView is the public JSON of a pro-forma invoice. fiscal is always
// false: a proforma is not a fiscal document.
type ProformaView struct {
	ID        string     `json:"id"`
	Object    string     `json:"object"`
	Livemode  bool       `json:"livemode"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	Status    string     `json:"status"`
	Fiscal    bool       `json:"fiscal"`
	OfferView
	FolioNumber *int64      `json:"folio_number"`
	Number      *string     `json:"number"`
	IssuedAt    *time.Time  `json:"issued_at"`
	CanceledAt  *time.Time  `json:"canceled_at"`
	Invoice     *string     `json:"invoice"`
	LastSend    *SendStatus `json:"last_send"`
	Deleted     bool        `json:"deleted,omitempty"`
}

// NewProforma decides a new draft proforma.
func NewProforma(in ProformaInput, client *Client, products map[string]*Product) ([]events.Draft, error) {
	c, err := newOffer(in.OfferTerms, client, products)
	if err != nil {
		return nil, err
	}
	return one(ProformaCreated, c), nil
}

// Update decides a change to a draft.
func (p *Proforma) Update(in ProformaPatch, client *Client, products map[string]*Product) ([]events.Draft, error) {
	if err := p.mustBe("changed", ProformaDraft); err != nil {
		return nil, err
	}
	c, err := p.OfferContent.update(in.OfferPatch, client, products)
	if err != nil {
		return nil, err
	}
	if sameJSON(p.OfferContent, c) {
		return nil, nil
	}
	return one(ProformaUpdated, c), nil
}

// Delete decides the deletion of a draft.
func (p *Proforma) Delete() ([]events.Draft, error) {
	if err := p.mustBe("deleted", ProformaDraft); err != nil {
		return nil, err
	}
	return one(ProformaDeleted, Empty{}), nil
}

// Issue decides that a draft is issued with number, from the proforma
// counter.
func (p *Proforma) Issue(number int64, now time.Time) ([]events.Draft, error) {
	if err := p.mustBe("issued", ProformaDraft); err != nil {
		return nil, err
	}
	if number < 1 {
		return nil, fmt.Errorf("issue proforma %s: number %d", p.ID, number)
	}
	return one(ProformaIssued, Numbered{FolioNumber: number, Number: fmt.Sprintf("PF-%d", number), At: now.UTC()}), nil
}

// Send decides the emailing of an issued (or converted) proforma to in.To,
// by default its client's email; in test mode it is recorded as skipped.
func (p *Proforma) Send(in SendInput, now time.Time) ([]events.Draft, error) {
	if !p.Exists() {
		return nil, notFound("proforma", p.ID)
	}
	if p.Status != ProformaIssuedState && p.Status != ProformaConvert {
		return nil, invalidState("The proforma is %s; only an issued proforma can be sent.", p.Status)
	}
	return decideSend("proforma", p.Livemode, in, p.Client.Email, now)
}

// Cancel decides the cancellation of an issued proforma.
func (p *Proforma) Cancel(now time.Time) ([]events.Draft, error) {
	if err := p.mustBe("canceled", ProformaIssuedState); err != nil {
		return nil, err
	}
	return one(ProformaCanceled, QuoteExpiredData{At: now.UTC()}), nil
}

// InvoiceContent is the invoice an issued proforma converts into: its
// lines and totals as they are, with the terms of in.
func (p *Proforma) InvoiceContent(in ConvertInput) (InvoiceContent, error) {
	if err := p.mustBe("converted", ProformaIssuedState); err != nil {
		return InvoiceContent{}, err
	}
	ic, err := p.invoiceContent(in)
	ic.Proforma = p.ID
	return ic, err
}

// Convert decides that the proforma was converted into invoiceID.
func (p *Proforma) Convert(invoiceID string, now time.Time) ([]events.Draft, error) {
	if err := p.mustBe("converted", ProformaIssuedState); err != nil {
		return nil, err
	}
	return one(ProformaConverted, Converted{Invoice: invoiceID, At: now.UTC()}), nil
}

func (p *Proforma) mustBe(verb, status string) error {
	return p.offerState.mustBe("proforma", p.Meta, verb, status)
}

// Exists reports whether the proforma was created and not deleted.
func (p *Proforma) Exists() bool { return p.exists(p.Meta) }

// Apply folds one event into the proforma.
func (p *Proforma) Apply(e events.Event) error {
	if err := p.apply(e); err != nil {
		return err
	}
	p.stamp(e)
	return nil
}

func (p *Proforma) apply(e events.Event) error {
	switch e.Type {
	case ProformaCreated, ProformaUpdated:
		var c OfferContent
		p.Status = ProformaDraft
		err := decodeInto("proforma", e, &c)
		p.OfferContent = c
		return err
	case ProformaDeleted:
		p.Deleted = true
		return nil
	case ProformaIssued:
		p.Status = ProformaIssuedState
		return decodeInto("proforma", e, &p.Numbered)
	case ProformaCanceled:
		var d QuoteExpiredData
		p.Status = ProformaCancel
		err := decodeInto("proforma", e, &d)
		p.CanceledAt = d.At
		return err
	case ProformaConverted:
		var c Converted
		p.Status = ProformaConvert
		err := decodeInto("proforma", e, &c)
		p.Invoice = c.Invoice
		return err
	}
	if ok, err := p.applyMailing("proforma", e); ok {
		return err
	}
	return unknownEvent("proforma", e)
}

// FoldProforma folds a proforma stream.
func FoldProforma(history []events.Event) (*Proforma, error) { return fold[Proforma](history) }

// View is the public JSON of the proforma.
func (p *Proforma) View() ProformaView {
	v := ProformaView{
		ID: p.ID, Object: "proforma", Livemode: p.Livemode,
		CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt), Status: p.Status,
		OfferView: p.OfferContent.view(), IssuedAt: utc(p.At), CanceledAt: utc(p.CanceledAt), LastSend: p.Mailing.view(), Deleted: p.Deleted,
	}
	if p.FolioNumber > 0 {
		v.FolioNumber, v.Number = &p.FolioNumber, &p.Number
	}
	if p.Invoice != "" {
		v.Invoice = &p.Invoice
	}
	return v
}
