package pdf

import (
	"time"

	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/jurisdiction/es"
)

// fiscalText is what the law of the issuer's country prints on its
// documents: the name of its tax ids, the titles of its kinds of invoice,
// the lines of the tax breakdown, and the facts of an invoice under the
// totals. One implementation per country, chosen by the organization's
// country (fiscalFor).
type fiscalText interface {
	// labels adapts the words of a language to the country.
	labels(l labels) labels
	// taxRows are the rows of the totals for one group of the breakdown.
	taxRows(l labels, t invoicing.AmountView, currency string) [][2]string
	// invoiceFacts are the labelled values under an invoice's totals.
	invoiceFacts(l labels, v invoicing.InvoiceView) []Fact
	// corrects is the sentence naming the invoice a corrective one corrects.
	corrects(l labels, v invoicing.InvoiceView, number string) string
}

func fiscalFor(c jurisdiction.Country) fiscalText {
	if c == jurisdiction.ES {
		return spainText{}
	}
	return mexicoText{}
}

// mexicoText is the text of a CFDI: RFC, SAT payment forms and methods,
// the CFDI use.
type mexicoText struct{}

func (mexicoText) labels(l labels) labels { return l }

func (mexicoText) taxRows(l labels, t invoicing.AmountView, currency string) [][2]string {
	label, amount := t.Type+" "+rateText(t.TaxView), money(t.Amount, currency)
	if t.Withholding {
		label, amount = l.withholding+" "+label, "−"+amount
	}
	return [][2]string{{label, amount}}
}

func (mexicoText) invoiceFacts(l labels, v invoicing.InvoiceView) []Fact {
	facts := []Fact{{l.paymentForm, l.paymentFormName(v.PaymentForm)},
		{l.paymentMethod, l.paymentMethodName(v.PaymentMethod)}, {l.use, v.Use}}
	if v.Currency != invoicing.DefaultCurrency && v.Exchange != "" {
		facts = append(facts, Fact{l.exchange, v.Exchange})
	}
	return facts
}

func (mexicoText) corrects(l labels, _ invoicing.InvoiceView, number string) string {
	return l.corrects + " " + number
}

// spainText is the text of a Spanish invoice (RD 1619/2012): NIF, the
// kind of invoice, base and cuota per IVA rate, recargo de equivalencia
// and IRPF, and what a rectifying invoice rectifies and why.
type spainText struct{}

func (spainText) labels(l labels) labels {
	l.taxID = "NIF"
	l.forms = l.meansES
	return l
}

func (spainText) taxRows(l labels, t invoicing.AmountView, currency string) [][2]string {
	rate, amount := rateText(t.TaxView), money(t.Amount, currency)
	switch {
	case t.Withholding:
		return [][2]string{{l.irpf + " " + rate, "−" + amount}}
	case t.Type == invoicing.TaxRE:
		return [][2]string{{l.surcharge + " " + rate, amount}}
	}
	return [][2]string{{l.taxBase + " " + t.Type + " " + rate, money(t.Base, currency)}, {t.Type + " " + rate, amount}}
}

func (spainText) invoiceFacts(l labels, v invoicing.InvoiceView) []Fact {
	facts := []Fact{{l.kind, v.Kind + " — " + l.kinds[v.Kind]}}
	if v.PaymentForm != "" {
		facts = append(facts, Fact{l.paymentMeans, l.paymentFormName(v.PaymentForm)})
	}
	if v.Currency != invoicing.EUR && v.Exchange != "" {
		facts = append(facts, Fact{l.exchange, v.Exchange})
	}
	if r := v.Rectification; r != nil {
		facts = append(facts, Fact{l.rectifyingReason, es.Reasons[es.Kind(v.Kind)]},
			Fact{l.rectifyingMethod, l.methodsES[r.Method]})
		if v.Related != nil && v.Related.Reason != "" {
			facts = append(facts, Fact{l.rectifyingWhy, v.Related.Reason})
		}
	}
	return facts
}

func (spainText) corrects(l labels, v invoicing.InvoiceView, number string) string {
	if r := v.Rectification; r != nil {
		return l.rectifies + " " + number + " (" + r.IssuedAt.UTC().Format(time.DateOnly) + ")"
	}
	return l.corrects + " " + number
}
