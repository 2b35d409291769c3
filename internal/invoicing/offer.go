package invoicing

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Quotes and pro-forma invoices say what an invoice will say, before it
// exists: a client, lines priced with the same exact-decimal code as
// invoices (resolveLines, ComputeTotals) and terms. Neither is a fiscal
// document: they have their own numbering and no fiscal total counts them.
// Converting one into an invoice copies its lines and totals as they are.

// OfferTerms is what the bodies of POST /v1/quotes and POST /v1/proformas
// share.
type OfferTerms struct {
	Client   string            `json:"client" facturo:"required"`
	Currency string            `json:"currency,omitempty" facturo:"pattern=^[A-Z]{3}$;default=MXN"`
	Exchange *decimal.Decimal  `json:"exchange,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"` // required unless MXN
	Items    []ItemInput       `json:"items" facturo:"required;max=500"`
	Notes    string            `json:"notes,omitempty" facturo:"max=1000"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// OfferPatch is what the bodies of PATCH /v1/quotes/{id} and PATCH
// /v1/proformas/{id} share; nil means unchanged. Items, when given,
// replace all lines and are priced from the products as they are now.
type OfferPatch struct {
	Client   *string           `json:"client,omitempty" facturo:"nonblank"`
	Currency *string           `json:"currency,omitempty" facturo:"pattern=^[A-Z]{3}$"`
	Exchange *decimal.Decimal  `json:"exchange,omitempty" facturo:"pattern=^[0-9]{1,12}([.][0-9]{1,6})?$"`
	Items    *[]ItemInput      `json:"items,omitempty" facturo:"min=1;max=500"`
	Notes    *string           `json:"notes,omitempty" facturo:"max=1000"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// OfferContent is what a quote or a proforma says, its lines priced and
// totalled when the event is decided.
type OfferContent struct {
	Client   ClientSnapshot    `json:"client"`
	Currency string            `json:"currency"`
	Exchange decimal.Decimal   `json:"exchange"`
	Items    []Line            `json:"items"`
	Totals   Totals            `json:"totals"`
	Notes    string            `json:"notes"`
	Metadata map[string]string `json:"metadata"`
}

// OfferView is the public JSON OfferContent gives a quote or a proforma.
type OfferView struct {
	Client        string            `json:"client"`
	ClientDetails ClientSnapshot    `json:"client_details"`
	Currency      string            `json:"currency"`
	Exchange      string            `json:"exchange"`
	Items         []LineView        `json:"items"`
	Notes         string            `json:"notes"`
	Metadata      map[string]string `json:"metadata"`
	TotalsView
}

// newOffer decides the content of a new quote or proforma: client is the
// stored client in.Client names, products the stored products its items
// name.
func newOffer(in OfferTerms, client *Client, products map[string]*Product) (OfferContent, error) {
	c := OfferContent{Currency: in.Currency, Exchange: one1, Notes: in.Notes, Metadata: copyMetadata(in.Metadata)}
	if in.Exchange != nil {
		c.Exchange = *in.Exchange
	}
	if err := c.setClient(in.Client, client); err != nil {
		return c, err
	}
	lines, err := resolveLines(in.Items, products)
	if err != nil {
		return c, err
	}
	c.Items, c.Totals = lines, ComputeTotals(lines)
	return c, c.normalize(in.Exchange != nil)
}

// update decides the content after p: client and products are what p's
// client and items name. Lines p leaves alone stay as they were priced.
func (c OfferContent) update(p OfferPatch, client *Client, products map[string]*Product) (OfferContent, error) {
	n := c
	n.Metadata = copyMetadata(c.Metadata)
	if p.Client != nil {
		if err := n.setClient(*p.Client, client); err != nil {
			return n, err
		}
	}
	if p.Items != nil {
		lines, err := resolveLines(*p.Items, products)
		if err != nil {
			return n, err
		}
		n.Items, n.Totals = lines, ComputeTotals(lines)
	}
	setIf(&n.Currency, p.Currency)
	if p.Exchange != nil {
		n.Exchange = *p.Exchange
	}
	setIf(&n.Notes, p.Notes)
	if p.Metadata != nil {
		n.Metadata = copyMetadata(p.Metadata)
	}
	given := p.Exchange != nil || (n.Currency == c.Currency && c.Currency != DefaultCurrency)
	return n, n.normalize(given)
}

func (c *OfferContent) setClient(id string, client *Client) error {
	ic := InvoiceContent{}
	err := ic.setClient(id, client, nil)
	c.Client = ic.Client
	return err
}

// normalize applies defaults and validates the terms; exchangeGiven says
// whether the caller gave a rate (a foreign currency needs one).
func (c *OfferContent) normalize(exchangeGiven bool) error {
	c.Currency = orDefault(strings.ToUpper(strings.TrimSpace(c.Currency)), DefaultCurrency)
	c.Notes = strings.TrimSpace(c.Notes)
	if err := validateCurrency("currency", c.Currency); err != nil {
		return err
	}
	if !exchangeGiven && c.Currency != DefaultCurrency {
		return requireExchange(DefaultCurrency, c.Currency, nil)
	}
	ic := InvoiceContent{Currency: c.Currency, Exchange: c.Exchange}
	return firstErr(
		ic.validateExchange(DefaultCurrency),
		maxLen("notes", c.Notes, 1000),
		validateMetadata("metadata", c.Metadata),
	)
}

func (c OfferContent) view() OfferView {
	return OfferView{
		Client: c.Client.ID, ClientDetails: c.Client, Currency: c.Currency, Exchange: fmtPrice(c.Exchange),
		Items: lineViews(c.Items), Notes: c.Notes, Metadata: copyMetadata(c.Metadata), TotalsView: c.Totals.view(),
	}
}

// invoiceContent is the invoice a conversion makes: the offer's client,
// lines and totals as they are (so the totals are the offer's), with the
// invoice terms of in.
func (c OfferContent) invoiceContent(in ConvertInput) (InvoiceContent, error) {
	ic := InvoiceContent{
		Type: TypeIncome, Client: c.Client, Series: in.Series, Currency: c.Currency, Exchange: c.Exchange,
		Items: c.Items, Totals: c.Totals, PaymentForm: in.PaymentForm, PaymentMethod: in.PaymentMethod,
		Use: in.Use, Notes: c.Notes, Metadata: copyMetadata(c.Metadata),
	}
	return ic, ic.normalize()
}

// ConvertInput is the body of POST /v1/quotes/{id}/convert and POST
// /v1/proformas/{id}/convert: the invoice's terms, and whether to issue
// it at once (default: a draft).
type ConvertInput struct {
	Issue         bool   `json:"issue,omitempty"`
	Series        string `json:"series,omitempty" facturo:"pattern=^\\s*[A-Za-z0-9-]{1,25}\\s*$;default=A"`
	PaymentForm   string `json:"payment_form,omitempty" facturo:"required_unless=payment_method:PPD;pattern=^[0-9]{2}$"`
	PaymentMethod string `json:"payment_method,omitempty" facturo:"enum=PUE|PPD;default=PUE"`
	Use           string `json:"use,omitempty" facturo:"pattern=^[A-Z]{1,2}[0-9]{2}$;default=G03"`
}

// Converted is the data of quote.converted and proforma.converted.
type Converted struct {
	Invoice string    `json:"invoice"`
	At      time.Time `json:"at"`
}

// Numbered is the number an offer takes when it is sent (a quote) or
// issued (a proforma), from its own gapless counter.
type Numbered struct {
	FolioNumber int64     `json:"folio_number"`
	Number      string    `json:"number"`
	At          time.Time `json:"at"`
}

// Reserved counters of the series counters: invoice series codes cannot
// hold "#", so these never meet an invoice series.
const (
	QuoteCounter    = "#quote"
	ProformaCounter = "#proforma"
)
