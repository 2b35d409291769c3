// Package facturae writes the Facturae 3.2.2 XML of the invoices of ES
// organizations, unsigned (signing it with the organization's certificate,
// XAdES-EPES, is a later step), from typed structs with encoding/xml.
package facturae

import (
	"encoding/xml"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/jurisdiction/es"
)

// Tax type codes of Facturae.
const (
	codeIVA  = "01"
	codeIRPF = "04"
)

// Marshal is the Facturae document of an issued invoice of an ES
// organization, with its XML declaration. An invoice of another country
// is country_unsupported; a draft, a ticket without client (Facturae
// names a buyer) or one in a currency other than EUR is invalid_state.
func Marshal(org *accounts.Organization, inv *invoicing.Invoice) ([]byte, error) {
	doc, err := Build(org, inv)
	if err != nil {
		return nil, err
	}
	body, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), body...), nil
}

// Build is the Facturae document of an invoice (see Marshal).
func Build(org *accounts.Organization, inv *invoicing.Invoice) (*Facturae, error) {
	if err := check(org, inv); err != nil {
		return nil, err
	}
	sign := decimal.NewFromInt(1)
	if inv.Type == invoicing.TypeEgress { // by differences: the amounts credited, negative
		sign = sign.Neg()
	}
	invoice := Invoice{
		InvoiceHeader: header(inv),
		InvoiceIssueData: InvoiceIssueData{IssueDate: date(inv.IssuedAt), InvoiceCurrencyCode: inv.Currency,
			TaxCurrencyCode: invoicing.EUR, LanguageName: "es"},
		Items: lines(inv.Items, sign),
	}
	invoice.TaxesOutputs, invoice.TaxesWithheld = taxes(inv.Totals.Taxes, sign)
	invoice.InvoiceTotals = totals(inv.Totals, sign)
	total := Amount{invoice.InvoiceTotals.InvoiceTotal}
	return &Facturae{
		XMLName: xml.Name{Local: "fe:Facturae"}, NS: Namespace,
		FileHeader: FileHeader{SchemaVersion: "3.2.2", Modality: "I", InvoiceIssuerType: "EM", Batch: Batch{
			BatchIdentifier: clip(org.TaxID+inv.Number, 70), InvoicesCount: 1,
			TotalInvoicesAmount: total, TotalOutstandingAmount: total, TotalExecutableAmount: total,
			InvoiceCurrencyCode: inv.Currency}},
		Parties:  Parties{SellerParty: seller(org), BuyerParty: buyer(inv.Client)},
		Invoices: []Invoice{invoice},
	}, nil
}

func check(org *accounts.Organization, inv *invoicing.Invoice) error {
	switch {
	case org.Country != jurisdiction.ES || inv.Jurisdiction != jurisdiction.ES:
		return facturo.Errorf(facturo.CodeCountryUnsupported, "Facturae is the e-invoice format of Spain; invoice %s follows the law of %s.", inv.ID, inv.Jurisdiction.OrDefault())
	case inv.Status == invoicing.StatusDraft:
		return facturo.Errorf(facturo.CodeInvalidState, "Invoice %s is a draft; Facturae is written for issued invoices.", inv.ID)
	case inv.Client.TaxID == "":
		return facturo.Errorf(facturo.CodeInvalidState, "Invoice %s names no client, and a Facturae names its buyer.", inv.ID)
	case inv.Currency != invoicing.EUR:
		return facturo.Errorf(facturo.CodeInvalidState, "Invoice %s is in %s; Facturo writes the Facturae of invoices in EUR only.", inv.ID, inv.Currency)
	}
	return nil
}

func header(inv *invoicing.Invoice) InvoiceHeader {
	h := InvoiceHeader{InvoiceNumber: itoa(inv.FolioNumber), InvoiceSeriesCode: inv.Series, InvoiceDocumentType: "FC", InvoiceClass: "OO"}
	if inv.Kind == string(es.Simplified) || inv.Kind == string(es.R5) {
		h.InvoiceDocumentType = "FA"
	}
	r := inv.Rectification
	if r == nil {
		return h
	}
	h.InvoiceClass = "OR"
	code, reason := reasonOf(es.Kind(inv.Kind))
	c := &Corrective{InvoiceNumber: itoa(r.FolioNumber), InvoiceSeriesCode: r.Series, ReasonCode: code, ReasonDescription: reason,
		TaxPeriod:        Period{StartDate: date(r.IssuedAt), EndDate: date(r.IssuedAt)},
		CorrectionMethod: "02", CorrectionMethodDescription: "Rectificación por diferencias"}
	if r.Method == es.BySubstitution {
		c.CorrectionMethod, c.CorrectionMethodDescription = "01", "Rectificación íntegra"
	}
	if inv.Related != nil {
		c.AdditionalReasonDescription = clip(es.Reasons[es.Kind(inv.Kind)]+": "+inv.Related.Reason, 2500)
	}
	issued := date(r.IssuedAt)
	c.InvoiceIssueDate = &issued
	h.Corrective = c
	return h
}

// reasonOf is the Facturae reason of a rectifying kind: the taxable base
// is modified (16), or, for R2 and R3, the charged taxes were not paid
// (85).
func reasonOf(k es.Kind) (string, string) {
	if k == es.R2 || k == es.R3 {
		return "85", "Base imponible modificada cuotas repercutidas no satisfechas. Auto de declaración de concurso"
	}
	return "16", "Base imponible"
}

// seller is the organization: its NIF and its address as it prints it
// (the first five-digit group is taken as the postcode).
func seller(org *accounts.Organization) Business {
	kind, _ := es.ParseNIF(org.TaxID)
	addr := org.Branding.Address
	in := &AddressInSpain{Address: clip(orDash(addr), 80), PostCode: "00000", Town: "-", Province: "-", CountryCode: "ESP"}
	if m := postcode.FindStringSubmatchIndex(addr); m != nil {
		in.PostCode = addr[m[2]:m[3]]
		if town := strings.Trim(addr[m[3]:], " ,."); town != "" {
			in.Town, in.Province = clip(town, 50), clip(town, 20)
		}
	}
	return Business{TaxIdentification: TaxIdentification{PersonTypeCode: kind.PersonType(), ResidenceTypeCode: "R", TaxIdentificationNumber: org.TaxID},
		LegalEntity: LegalEntity{CorporateName: clip(org.LegalNameOrName(), 80), AddressInSpain: in}}
}

var postcode = regexp.MustCompile(`\b([0-5][0-9]{4})\b`)

// buyer is the invoice's client: a Spanish resident by NIF, or a client in
// another member state by VAT number.
func buyer(c invoicing.ClientSnapshot) Business {
	id := TaxIdentification{PersonTypeCode: "J", ResidenceTypeCode: "U", TaxIdentificationNumber: c.TaxID}
	if kind, err := es.ParseNIF(c.TaxID); err == nil {
		id.PersonTypeCode, id.ResidenceTypeCode = kind.PersonType(), "R"
	}
	a := c.Address
	street := strings.TrimSpace(strings.Join([]string{a.Street, a.Exterior, a.Interior}, " "))
	le := LegalEntity{CorporateName: clip(c.LegalName, 80)}
	if a.Country == "ESP" || a.Country == "ES" {
		le.AddressInSpain = &AddressInSpain{Address: clip(orDash(street), 80), PostCode: orDefault(a.Zip, "00000"),
			Town: clip(orDash(a.City), 50), Province: clip(orDash(a.State), 20), CountryCode: "ESP"}
	} else {
		le.OverseasAddress = &OverseasAddress{Address: clip(orDash(street), 80), PostCodeAndTown: clip(orDash(strings.TrimSpace(a.Zip+" "+a.City)), 50),
			Province: clip(orDash(a.State), 20), CountryCode: alpha3(a.Country)}
	}
	return Business{TaxIdentification: id, LegalEntity: le}
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func orDash(s string) string { return orDefault(s, "-") }

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func itoa(n int64) string { return decimal.NewFromInt(n).String() }
