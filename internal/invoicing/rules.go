package invoicing

import "github.com/facturo/facturo/internal/jurisdiction"

// Rules are what the law of one country decides for the documents of an
// organization of that country, one small interface per concern. The
// command that creates a client, a product or an invoice picks them by the
// organization's country (RulesFor); the object records the country it was
// made under (Jurisdiction, "" for MX), so every later decision on it
// follows the same law without asking again.
type Rules struct {
	Country     jurisdiction.Country
	Parties     PartyRules
	Taxes       TaxRules
	Documents   DocumentRules
	Corrections CorrectionRules
}

// PartyRules check who an invoice is made out to.
type PartyRules interface {
	// NormalizeTaxID checks a client's tax id (trimmed, in upper case) and
	// returns it as it is stored; param names the field.
	NormalizeTaxID(param, s string) (string, error)
	// HomeCountry is the ISO 3166 alpha-3 and alpha-2 codes of an address
	// left without a country; its postal codes have five digits.
	HomeCountry() (alpha3, alpha2, name string)
}

// TaxRules are the tax catalogue: what a product carries when it names no
// taxes, which taxes and combinations a line may carry, and how the lines
// of a document add up.
type TaxRules interface {
	DefaultTaxes() []Tax
	// NormalizeTax checks one tax of a product as a request gives it.
	NormalizeTax(param string, t TaxInput) (Tax, error)
	// CheckCombination checks the normalized taxes of one product together.
	CheckCombination(param string, taxes []Tax) error
	// Totals adds up priced lines (see ROUNDING.md).
	Totals(lines []Line) Totals
}

// DocumentRules are the kinds of invoice, their statuses and required
// fields, and the defaults of their terms.
type DocumentRules interface {
	// Currency is the currency of the country's tax amounts: a document in
	// another one names its rate to it in exchange.
	Currency() string
	// Terms applies the defaults of an invoice's terms (kind, series,
	// currency, payment) and checks them with the invoice's client and
	// totals; it runs on every created or changed content.
	Terms(c *InvoiceContent) error
	// FreeSeries reports whether a series code numbers without having been
	// created with POST /v1/series (the kinds' default series).
	FreeSeries(code string) bool
}

// CorrectionRules are how an issued invoice is canceled and corrected.
type CorrectionRules interface {
	// CheckCancel checks a cancellation of inv (valid or paid), with the
	// invoice in.Substitution names (nil if none).
	CheckCancel(inv *Invoice, in CancelInput, substitute *Invoice) error
	// NoteSeries is the series whose counter numbers a correction.
	NoteSeries(inv *Invoice, in CorrectionInput) string
	// Correction makes the content of the corrective document, and tells
	// whether it substitutes the original (which is then voided) rather
	// than credit part of it.
	Correction(inv *Invoice, in CorrectionInput) (c InvoiceContent, substitutes bool, err error)
}

// RulesFor returns the rules of a country; "" is MX.
func RulesFor(c jurisdiction.Country) Rules {
	if c == jurisdiction.ES {
		return spainRules
	}
	return mexicoRules
}

// stamp is the Jurisdiction an object made under r records: "" for MX, so
// that the events of Mexican objects are what they always were.
func (r Rules) stamp() jurisdiction.Country {
	if r.Country == jurisdiction.MX {
		return ""
	}
	return r.Country
}

var (
	mexicoRules = Rules{Country: jurisdiction.MX, Parties: mxParties{}, Taxes: mxTaxes{},
		Documents: mxDocuments{}, Corrections: mxCorrections{}}
	spainRules = Rules{Country: jurisdiction.ES, Parties: esParties{}, Taxes: esTaxes{},
		Documents: esDocuments{}, Corrections: esCorrections{}}
)
