package facturae

import "encoding/xml"

// The elements of Facturae 3.2.2 that Facturo writes, as typed structs in
// the order of the schema's sequences (Facturaev3_2_2.xsd). Elements the
// schema makes optional and Facturo has nothing for are left out. Only the
// root element is in the Facturae namespace; the schema's other elements
// are unqualified.

// Namespace is the namespace of Facturae 3.2.2.
const Namespace = "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"

// Facturae is the root element. XMLName is written as fe:Facturae, with
// the prefix bound to Namespace; reading accepts the element whatever its
// prefix.
type Facturae struct {
	XMLName    xml.Name
	NS         string     `xml:"xmlns:fe,attr,omitempty"`
	FileHeader FileHeader `xml:"FileHeader"`
	Parties    Parties    `xml:"Parties"`
	Invoices   []Invoice  `xml:"Invoices>Invoice"`
}

// FileHeader is FileHeaderType.
type FileHeader struct {
	SchemaVersion     string `xml:"SchemaVersion"`     // 3.2.2
	Modality          string `xml:"Modality"`          // I: one invoice
	InvoiceIssuerType string `xml:"InvoiceIssuerType"` // EM: the seller issues
	Batch             Batch  `xml:"Batch"`
}

// Batch is BatchType.
type Batch struct {
	BatchIdentifier        string `xml:"BatchIdentifier"`
	InvoicesCount          int    `xml:"InvoicesCount"`
	TotalInvoicesAmount    Amount `xml:"TotalInvoicesAmount"`
	TotalOutstandingAmount Amount `xml:"TotalOutstandingAmount"`
	TotalExecutableAmount  Amount `xml:"TotalExecutableAmount"`
	InvoiceCurrencyCode    string `xml:"InvoiceCurrencyCode"`
}

// Amount is AmountType.
type Amount struct {
	TotalAmount string `xml:"TotalAmount"`
}

// Parties is PartiesType.
type Parties struct {
	SellerParty Business `xml:"SellerParty"`
	BuyerParty  Business `xml:"BuyerParty"`
}

// Business is BusinessType, as a legal entity.
type Business struct {
	TaxIdentification TaxIdentification `xml:"TaxIdentification"`
	LegalEntity       LegalEntity       `xml:"LegalEntity"`
}

// TaxIdentification is TaxIdentificationType.
type TaxIdentification struct {
	PersonTypeCode          string `xml:"PersonTypeCode"`    // F natural person, J legal entity
	ResidenceTypeCode       string `xml:"ResidenceTypeCode"` // R resident, U in the EU, E elsewhere
	TaxIdentificationNumber string `xml:"TaxIdentificationNumber"`
}

// LegalEntity is LegalEntityType.
type LegalEntity struct {
	CorporateName   string           `xml:"CorporateName"`
	AddressInSpain  *AddressInSpain  `xml:"AddressInSpain,omitempty"`
	OverseasAddress *OverseasAddress `xml:"OverseasAddress,omitempty"`
}

// AddressInSpain is AddressType.
type AddressInSpain struct {
	Address     string `xml:"Address"`
	PostCode    string `xml:"PostCode"`
	Town        string `xml:"Town"`
	Province    string `xml:"Province"`
	CountryCode string `xml:"CountryCode"`
}

// OverseasAddress is OverseasAddressType.
type OverseasAddress struct {
	Address         string `xml:"Address"`
	PostCodeAndTown string `xml:"PostCodeAndTown"`
	Province        string `xml:"Province"`
	CountryCode     string `xml:"CountryCode"`
}

// Invoice is InvoiceType.
type Invoice struct {
	InvoiceHeader    InvoiceHeader    `xml:"InvoiceHeader"`
	InvoiceIssueData InvoiceIssueData `xml:"InvoiceIssueData"`
	TaxesOutputs     []TaxOutput      `xml:"TaxesOutputs>Tax"`
	TaxesWithheld    []Tax            `xml:"TaxesWithheld>Tax,omitempty"`
	InvoiceTotals    InvoiceTotals    `xml:"InvoiceTotals"`
	Items            []InvoiceLine    `xml:"Items>InvoiceLine"`
}

// InvoiceHeader is InvoiceHeaderType.
type InvoiceHeader struct {
	InvoiceNumber       string      `xml:"InvoiceNumber"`
	InvoiceSeriesCode   string      `xml:"InvoiceSeriesCode,omitempty"`
	InvoiceDocumentType string      `xml:"InvoiceDocumentType"` // FC complete, FA simplified
	InvoiceClass        string      `xml:"InvoiceClass"`        // OO original, OR rectifying
	Corrective          *Corrective `xml:"Corrective,omitempty"`
}

// Corrective is CorrectiveType.
type Corrective struct {
	InvoiceNumber               string  `xml:"InvoiceNumber"`
	InvoiceSeriesCode           string  `xml:"InvoiceSeriesCode"`
	ReasonCode                  string  `xml:"ReasonCode"`
	ReasonDescription           string  `xml:"ReasonDescription"`
	TaxPeriod                   Period  `xml:"TaxPeriod"`
	CorrectionMethod            string  `xml:"CorrectionMethod"` // 01 full, 02 by differences
	CorrectionMethodDescription string  `xml:"CorrectionMethodDescription"`
	AdditionalReasonDescription string  `xml:"AdditionalReasonDescription,omitempty"`
	InvoiceIssueDate            *string `xml:"InvoiceIssueDate,omitempty"`
}

// Period is PeriodDates.
type Period struct {
	StartDate string `xml:"StartDate"`
	EndDate   string `xml:"EndDate"`
}

// InvoiceIssueData is InvoiceIssueDataType.
type InvoiceIssueData struct {
	IssueDate           string `xml:"IssueDate"`
	InvoiceCurrencyCode string `xml:"InvoiceCurrencyCode"`
	TaxCurrencyCode     string `xml:"TaxCurrencyCode"`
	LanguageName        string `xml:"LanguageName"`
}

// TaxOutput is TaxOutputType: a charged tax, with the recargo de
// equivalencia that goes with its IVA rate.
type TaxOutput struct {
	TaxTypeCode                string  `xml:"TaxTypeCode"` // 01 IVA
	TaxRate                    string  `xml:"TaxRate"`     // a percentage
	TaxableBase                Amount  `xml:"TaxableBase"`
	TaxAmount                  Amount  `xml:"TaxAmount"`
	EquivalenceSurcharge       string  `xml:"EquivalenceSurcharge,omitempty"`
	EquivalenceSurchargeAmount *Amount `xml:"EquivalenceSurchargeAmount,omitempty"`
}

// Tax is TaxType: a withheld tax.
type Tax struct {
	TaxTypeCode string `xml:"TaxTypeCode"` // 04 IRPF
	TaxRate     string `xml:"TaxRate"`
	TaxableBase Amount `xml:"TaxableBase"`
	TaxAmount   Amount `xml:"TaxAmount"`
}

// InvoiceTotals is InvoiceTotalsType.
type InvoiceTotals struct {
	TotalGrossAmount            string `xml:"TotalGrossAmount"`
	TotalGrossAmountBeforeTaxes string `xml:"TotalGrossAmountBeforeTaxes"`
	TotalTaxOutputs             string `xml:"TotalTaxOutputs"`
	TotalTaxesWithheld          string `xml:"TotalTaxesWithheld"`
	InvoiceTotal                string `xml:"InvoiceTotal"`
	TotalOutstandingAmount      string `xml:"TotalOutstandingAmount"`
	TotalExecutableAmount       string `xml:"TotalExecutableAmount"`
}

// InvoiceLine is InvoiceLineType.
type InvoiceLine struct {
	ItemDescription     string      `xml:"ItemDescription"`
	Quantity            string      `xml:"Quantity"`
	UnitPriceWithoutTax string      `xml:"UnitPriceWithoutTax"`
	TotalCost           string      `xml:"TotalCost"`
	DiscountsAndRebates []Discount  `xml:"DiscountsAndRebates>Discount,omitempty"`
	GrossAmount         string      `xml:"GrossAmount"`
	TaxesWithheld       []Tax       `xml:"TaxesWithheld>Tax,omitempty"`
	TaxesOutputs        []TaxOutput `xml:"TaxesOutputs>Tax"`
	ArticleCode         string      `xml:"ArticleCode,omitempty"`
}

// Discount is DiscountType.
type Discount struct {
	DiscountReason string `xml:"DiscountReason"`
	DiscountAmount string `xml:"DiscountAmount"`
}
