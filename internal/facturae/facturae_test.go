package facturae

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
)

var (
	spain = invoicing.RulesFor(jurisdiction.ES)
	at    = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	org   = &accounts.Organization{Name: "Asesores", LegalName: "Asesores SL", TaxID: "B12345674", Country: jurisdiction.ES,
		Branding: accounts.Branding{Address: "Calle Mayor 1, 28013 Madrid"}}
)

func fold(t *testing.T, id string, drafts []events.Draft) *invoicing.Invoice {
	t.Helper()
	var history []events.Event
	for i, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, events.Event{Type: d.Type, StreamID: id, StreamVersion: i + 1, Data: data, CreatedAt: at})
	}
	inv, err := invoicing.FoldInvoice(history)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func rate(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

func line(price, qty, discount string, taxes ...invoicing.TaxInput) invoicing.ItemInput {
	no := false
	it := invoicing.ItemInput{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Caja", Price: rate(price), TaxIncluded: &no, Taxes: taxes, SKU: "CAJA-1"}},
		Quantity: rate(qty)}
	if discount != "" {
		it.Discount = rate(discount)
	}
	return it
}

func tax(typ, r string) invoicing.TaxInput { return invoicing.TaxInput{Type: typ, Rate: rate(r)} }

// issued is an issued ES invoice: IVA 21 with recargo, IVA 10, IRPF 15
// and a discount, for a client in Madrid.
func issued(t *testing.T) *invoicing.Invoice {
	t.Helper()
	cd, err := spain.NewClient(invoicing.ClientInput{LegalName: "Tienda SL", TaxID: "A58818501",
		Address: invoicing.Address{Street: "Gran Vía", Exterior: "2", City: "Madrid", State: "Madrid", Zip: "28013"}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(cd[0].Data)
	client, err := invoicing.FoldClient([]events.Event{{Type: cd[0].Type, StreamID: "cli_1", StreamVersion: 1, Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	in := invoicing.InvoiceInput{Client: "cli_1", PaymentForm: "04", Items: []invoicing.ItemInput{
		line("33.33", "3", "", tax("IVA", "0.21"), tax("RE", "0.052")),
		line("1.25", "7", "0.50", tax("IVA", "0.10")),
		line("500", "1", "", tax("IVA", "0.21"), tax("RE", "0.052"), tax("IRPF", "0.15")),
	}}
	drafts, err := spain.NewInvoice(in, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	more, err := fold(t, "inv_1", drafts).Issue(nil, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	return fold(t, "inv_1", append(drafts, more...))
}

// parse reads a Facturae document back.
func parse(t *testing.T, b []byte) Facturae {
	t.Helper()
	var f Facturae
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("the Facturae does not parse: %v\n%s", err, b)
	}
	return f
}

func money2(d decimal.Decimal) string { return d.StringFixed(2) }

// checkTotals compares every total of the parsed document with the
// invoice's, sign applied (a rectifying invoice by differences is
// negative).
func checkTotals(t *testing.T, f Facturae, inv *invoicing.Invoice, sign decimal.Decimal) {
	t.Helper()
	m := func(d decimal.Decimal) string { return money2(d.Mul(sign)) }
	tt := inv.Totals
	got := f.Invoices[0].InvoiceTotals
	want := InvoiceTotals{TotalGrossAmount: m(tt.Subtotal.Sub(tt.Discount)), TotalGrossAmountBeforeTaxes: m(tt.Subtotal.Sub(tt.Discount)),
		TotalTaxOutputs: m(tt.TotalTransferred), TotalTaxesWithheld: m(tt.TotalWithheld), InvoiceTotal: m(tt.Total),
		TotalOutstandingAmount: m(tt.Total), TotalExecutableAmount: m(tt.Total)}
	if got != want {
		t.Errorf("InvoiceTotals = %+v\nwant %+v", got, want)
	}
	b := f.FileHeader.Batch
	if b.TotalInvoicesAmount.TotalAmount != m(tt.Total) || b.TotalExecutableAmount.TotalAmount != m(tt.Total) || b.InvoiceCurrencyCode != "EUR" {
		t.Errorf("Batch = %+v, want the total %s", b, m(tt.Total))
	}
	// The breakdown adds up to the totals, and each group is the invoice's.
	var outputs, withheld, gross decimal.Decimal
	for _, o := range f.Invoices[0].TaxesOutputs {
		outputs = outputs.Add(decimal.RequireFromString(o.TaxAmount.TotalAmount))
		if o.EquivalenceSurchargeAmount != nil {
			outputs = outputs.Add(decimal.RequireFromString(o.EquivalenceSurchargeAmount.TotalAmount))
		}
	}
	for _, w := range f.Invoices[0].TaxesWithheld {
		withheld = withheld.Add(decimal.RequireFromString(w.TaxAmount.TotalAmount))
	}
	for _, l := range f.Invoices[0].Items {
		gross = gross.Add(decimal.RequireFromString(l.GrossAmount))
	}
	if money2(outputs) != got.TotalTaxOutputs || money2(withheld) != got.TotalTaxesWithheld || money2(gross) != got.TotalGrossAmount {
		t.Errorf("outputs %s withheld %s lines %s do not add up to %+v", outputs, withheld, gross, got)
	}
	before := decimal.RequireFromString(got.TotalGrossAmountBeforeTaxes)
	if total := before.Add(outputs).Sub(withheld); money2(total) != got.InvoiceTotal {
		t.Errorf("%s + %s − %s = %s, but InvoiceTotal is %s", before, outputs, withheld, total, got.InvoiceTotal)
	}
	var groups []string
	for _, g := range inv.Totals.Taxes {
		groups = append(groups, g.Type+" "+g.Rate.Shift(2).StringFixed(2)+" "+m(g.Base)+" "+m(g.Amount))
	}
	var parsed []string
	for _, o := range f.Invoices[0].TaxesOutputs {
		parsed = append(parsed, "IVA "+o.TaxRate+" "+o.TaxableBase.TotalAmount+" "+o.TaxAmount.TotalAmount)
		if o.EquivalenceSurchargeAmount != nil {
			parsed = append(parsed, "RE "+o.EquivalenceSurcharge+" "+o.TaxableBase.TotalAmount+" "+o.EquivalenceSurchargeAmount.TotalAmount)
		}
	}
	for _, w := range f.Invoices[0].TaxesWithheld {
		parsed = append(parsed, "IRPF "+w.TaxRate+" "+w.TaxableBase.TotalAmount+" "+w.TaxAmount.TotalAmount)
	}
	slices.Sort(groups)
	slices.Sort(parsed)
	if !slices.Equal(groups, parsed) {
		t.Errorf("tax groups\n got %v\nwant %v", parsed, groups)
	}
}

func TestFacturaeParsesBackToTheInvoice(t *testing.T) {
	inv := issued(t)
	b, err := Marshal(org, inv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(xml.Header)) || !bytes.Contains(b, []byte(`<fe:Facturae xmlns:fe="`+Namespace+`">`)) {
		t.Errorf("root element:\n%s", b[:200])
	}
	f := parse(t, b)
	checkTotals(t, f, inv, decimal.NewFromInt(1))
	h := f.Invoices[0].InvoiceHeader
	if h.InvoiceNumber != "7" || h.InvoiceSeriesCode != "A" || h.InvoiceDocumentType != "FC" || h.InvoiceClass != "OO" || h.Corrective != nil {
		t.Errorf("header %+v", h)
	}
	p := f.Parties
	if p.SellerParty.TaxIdentification.TaxIdentificationNumber != "B12345674" || p.SellerParty.TaxIdentification.PersonTypeCode != "J" ||
		p.SellerParty.LegalEntity.AddressInSpain.PostCode != "28013" || p.BuyerParty.TaxIdentification.TaxIdentificationNumber != "A58818501" ||
		p.BuyerParty.LegalEntity.AddressInSpain.Town != "Madrid" {
		t.Errorf("parties %+v", p)
	}
	if n := len(f.Invoices[0].Items); n != 3 {
		t.Errorf("%d lines, want 3", n)
	}
}

func TestFacturaeOfRectifyingInvoices(t *testing.T) {
	for _, method := range []string{"I", "S"} {
		inv := issued(t)
		c, err := inv.Correct(invoicing.CorrectionInput{Reason: "Devolución", Kind: "R2", Method: method,
			Items: []invoicing.CorrectionItem{{Line: 0, Quantity: rate("1")}}}, "inv_2", nil, 1, at)
		if err != nil {
			t.Fatal(err)
		}
		rect := fold(t, "inv_2", c.CreditNote)
		b, err := Marshal(org, rect)
		if err != nil {
			t.Fatal(err)
		}
		f := parse(t, b)
		sign := decimal.NewFromInt(1)
		if method == "I" {
			sign = sign.Neg()
		}
		checkTotals(t, f, rect, sign)
		h := f.Invoices[0].InvoiceHeader
		wantMethod := map[string]string{"I": "02", "S": "01"}[method]
		if h.InvoiceClass != "OR" || h.Corrective == nil || h.Corrective.InvoiceNumber != "7" || h.Corrective.InvoiceSeriesCode != "A" ||
			h.Corrective.CorrectionMethod != wantMethod || h.Corrective.ReasonCode != "85" {
			t.Errorf("method %s: header %+v corrective %+v", method, h, h.Corrective)
		}
	}
}

func TestFacturaeRefusals(t *testing.T) {
	inv := issued(t)
	mx := *org
	mx.Country = jurisdiction.MX
	if _, err := Marshal(&mx, inv); !facturo.IsCode(err, facturo.CodeCountryUnsupported) {
		t.Errorf("MX organization: %v", err)
	}
	draft := *inv
	draft.Status = invoicing.StatusDraft
	if _, err := Marshal(org, &draft); !facturo.IsCode(err, facturo.CodeInvalidState) {
		t.Errorf("draft: %v", err)
	}
}

// sequences are the schema's sequences of the elements Facturo writes
// (Facturaev3_2_2.xsd, in order): the children of each element must come
// in this order.
var sequences = map[string][]string{
	"Facturae":          {"FileHeader", "Parties", "Invoices"},
	"FileHeader":        {"SchemaVersion", "Modality", "InvoiceIssuerType", "ThirdParty", "Batch", "FactoringAssignmentData"},
	"Batch":             {"BatchIdentifier", "InvoicesCount", "TotalInvoicesAmount", "TotalOutstandingAmount", "TotalExecutableAmount", "InvoiceCurrencyCode"},
	"Parties":           {"SellerParty", "BuyerParty"},
	"SellerParty":       {"TaxIdentification", "PartyIdentification", "AdministrativeCentres", "LegalEntity", "Individual"},
	"TaxIdentification": {"PersonTypeCode", "ResidenceTypeCode", "TaxIdentificationNumber"},
	"LegalEntity":       {"CorporateName", "TradeName", "RegistrationData", "AddressInSpain", "OverseasAddress", "ContactDetails"},
	"AddressInSpain":    {"Address", "PostCode", "Town", "Province", "CountryCode"},
	"Invoice":           {"InvoiceHeader", "InvoiceIssueData", "TaxesOutputs", "TaxesWithheld", "InvoiceTotals", "Items", "PaymentDetails", "LegalLiterals", "AdditionalData"},
	"InvoiceHeader":     {"InvoiceNumber", "InvoiceSeriesCode", "InvoiceDocumentType", "InvoiceClass", "Corrective"},
	"Corrective": {"InvoiceNumber", "InvoiceSeriesCode", "ReasonCode", "ReasonDescription", "TaxPeriod", "CorrectionMethod",
		"CorrectionMethodDescription", "AdditionalReasonDescription", "InvoiceIssueDate"},
	"InvoiceIssueData": {"IssueDate", "OperationDate", "PlaceOfIssue", "InvoicingPeriod", "InvoiceCurrencyCode", "ExchangeRateDetails", "TaxCurrencyCode", "LanguageName"},
	"Tax":              {"TaxTypeCode", "TaxRate", "TaxableBase", "TaxAmount", "SpecialTaxableBase", "SpecialTaxAmount", "EquivalenceSurcharge", "EquivalenceSurchargeAmount"},
	"InvoiceTotals": {"TotalGrossAmount", "GeneralDiscounts", "GeneralSurcharges", "TotalGeneralDiscounts", "TotalGeneralSurcharges",
		"TotalGrossAmountBeforeTaxes", "TotalTaxOutputs", "TotalTaxesWithheld", "InvoiceTotal", "Subsidies", "PaymentsOnAccount",
		"ReimbursableExpenses", "TotalFinancialExpenses", "TotalOutstandingAmount", "TotalPaymentsOnAccount", "AmountsWithheld", "TotalExecutableAmount"},
	"InvoiceLine": {"IssuerContractReference", "SequenceNumber", "DeliveryNotesReferences", "ItemDescription", "Quantity", "UnitOfMeasure",
		"UnitPriceWithoutTax", "TotalCost", "DiscountsAndRebates", "Charges", "GrossAmount", "TaxesWithheld", "TaxesOutputs",
		"LineItemPeriod", "TransactionDate", "AdditionalLineItemInformation", "SpecialTaxableEvent", "ArticleCode"},
	"Discount": {"DiscountReason", "DiscountRate", "DiscountAmount"},
}

// The elements come in the schema's order (the XSD itself is not
// available here to validate against; see docs/spain.md).
func TestFacturaeFollowsTheSchemaOrder(t *testing.T) {
	inv := issued(t)
	c, err := inv.Correct(invoicing.CorrectionInput{Reason: "x", Items: []invoicing.CorrectionItem{{Line: 1, Quantity: rate("1")}}}, "inv_2", nil, 1, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []*invoicing.Invoice{inv, fold(t, "inv_2", c.CreditNote)} {
		b, err := Marshal(org, doc)
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, b)
	}
}

func checkOrder(t *testing.T, b []byte) {
	t.Helper()
	sequences["BuyerParty"] = sequences["SellerParty"]
	dec := xml.NewDecoder(bytes.NewReader(b))
	type open struct {
		name     string
		children []string
	}
	var stack []*open
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, el.Name.Local)
			}
			stack = append(stack, &open{name: el.Name.Local})
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			seq, ok := sequences[top.name]
			if !ok || len(top.children) == 0 {
				continue
			}
			last := -1
			for _, c := range top.children {
				i := slices.Index(seq, c)
				if i < 0 || i < last {
					t.Errorf("<%s>: child <%s> out of the schema's order %s (children %s)", top.name, c, strings.Join(seq, ", "), strings.Join(top.children, ", "))
				}
				if i == last && c != "Tax" {
					t.Errorf("<%s>: <%s> twice", top.name, c)
				}
				last = i
			}
		}
	}
}
