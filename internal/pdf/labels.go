package pdf

import (
	"fmt"

	"github.com/facturo/facturo/internal/invoicing"
)

// labels are the words of a document in one language.
type labels struct {
	lang                                             string
	invoice, creditNote, receipt, retention          string
	number, date, status, taxID, billTo, issuedBy    string
	description, quantity, unitPrice, discount, line string
	subtotal, total, withholding, amountInWords      string
	paymentForm, paymentMethod, use, exchange        string
	canceledOn, notes, related, corrects             string
	receiptInvoiced, retentionKey, period, page, of  string
	taxSystem, email                                 string
	quote, proforma, validUntil, notFiscal, fiscal   string
	statuses                                         map[string]string
	forms, methods                                   map[string]string
	months                                           []string
	// The words of Spanish invoices (fiscal.go).
	kind, paymentMeans, taxBase, surcharge, irpf      string
	rectifyingReason, rectifyingMethod, rectifyingWhy string
	rectifies                                         string
	simplified, rectifying                            string
	kinds, meansES, methodsES                         map[string]string
}

var spanish = labels{
	lang: Spanish, invoice: "FACTURA", creditNote: "NOTA DE CRÉDITO", receipt: "RECIBO", retention: "CONSTANCIA DE RETENCIONES",
	number: "Folio", date: "Fecha de emisión", status: "Estado", taxID: "RFC", billTo: "Receptor", issuedBy: "Emisor",
	description: "Descripción", quantity: "Cantidad", unitPrice: "Precio unitario", discount: "Descuento", line: "Importe",
	subtotal: "Subtotal", total: "Total", withholding: "Retención", amountInWords: "Importe con letra",
	paymentForm: "Forma de pago", paymentMethod: "Método de pago", use: "Uso del CFDI", exchange: "Tipo de cambio",
	canceledOn: "Cancelada el", notes: "Notas", related: "Documentos relacionados", corrects: "Nota de crédito de la factura",
	receiptInvoiced: "Facturado en", retentionKey: "Clave de retención", period: "Periodo", page: "Página", of: "de",
	taxSystem: "Régimen fiscal", email: "Correo",
	quote: "COTIZACIÓN", proforma: "FACTURA PROFORMA", validUntil: "Válida hasta", fiscal: "Valor fiscal",
	notFiscal: "Este documento no es un comprobante fiscal.",
	statuses: map[string]string{invoicing.StatusDraft: "Borrador", invoicing.StatusValid: "Vigente", invoicing.StatusPaid: "Pagada",
		invoicing.StatusCanceled: "Cancelada", invoicing.ReceiptOpen: "Abierto", invoicing.ReceiptInvoicedToCustomer: "Facturado al cliente",
		invoicing.ReceiptInvoicedGlobally: "Facturado en global", invoicing.QuoteSentState: "Enviada", invoicing.QuoteAccept: "Aceptada",
		invoicing.QuoteReject: "Rechazada", invoicing.QuoteExpire: "Vencida", invoicing.QuoteConvert: "Convertida", invoicing.ProformaIssuedState: "Emitida"},
	forms: map[string]string{"01": "Efectivo", "02": "Cheque nominativo", "03": "Transferencia electrónica de fondos",
		"04": "Tarjeta de crédito", "28": "Tarjeta de débito", "99": "Por definir"},
	methods: map[string]string{"PUE": "Pago en una sola exhibición", "PPD": "Pago en parcialidades o diferido"},
	months:  []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	kind:    "Tipo de factura", paymentMeans: "Medio de pago", taxBase: "Base imponible", surcharge: "Recargo de equivalencia",
	irpf: "Retención IRPF", rectifyingReason: "Causa de la rectificación", rectifyingMethod: "Rectificación",
	rectifyingWhy: "Motivo", rectifies: "Rectifica la factura", simplified: "FACTURA SIMPLIFICADA", rectifying: "FACTURA RECTIFICATIVA",
	kinds: map[string]string{"F1": "Factura completa", "F2": "Factura simplificada", "R1": "Rectificativa (art. 80 Uno, Dos y Seis LIVA)",
		"R2": "Rectificativa (art. 80 Tres LIVA)", "R3": "Rectificativa (art. 80 Cuatro LIVA)", "R4": "Rectificativa (resto)", "R5": "Rectificativa de factura simplificada"},
	meansES:   map[string]string{"01": "Al contado", "02": "Recibo domiciliado", "04": "Transferencia", "05": "Letra aceptada", "13": "Pagaré", "19": "Tarjeta"},
	methodsES: map[string]string{"I": "Por diferencias", "S": "Por sustitución"},
}

var english = labels{
	lang: English, invoice: "INVOICE", creditNote: "CREDIT NOTE", receipt: "RECEIPT", retention: "WITHHOLDING CERTIFICATE",
	number: "Number", date: "Issue date", status: "Status", taxID: "Tax ID", billTo: "Bill to", issuedBy: "Issued by",
	description: "Description", quantity: "Quantity", unitPrice: "Unit price", discount: "Discount", line: "Amount",
	subtotal: "Subtotal", total: "Total", withholding: "Withheld", amountInWords: "Amount in words",
	paymentForm: "Payment form", paymentMethod: "Payment method", use: "CFDI use", exchange: "Exchange rate",
	canceledOn: "Canceled on", notes: "Notes", related: "Related documents", corrects: "Credit note of invoice",
	receiptInvoiced: "Invoiced in", retentionKey: "Withholding key", period: "Period", page: "Page", of: "of",
	taxSystem: "Tax system", email: "Email",
	quote: "QUOTE", proforma: "PRO-FORMA INVOICE", validUntil: "Valid until", fiscal: "Fiscal value",
	notFiscal: "This document is not a fiscal document (not a tax invoice).",
	statuses: map[string]string{invoicing.StatusDraft: "Draft", invoicing.StatusValid: "Valid", invoicing.StatusPaid: "Paid",
		invoicing.StatusCanceled: "Canceled", invoicing.ReceiptOpen: "Open", invoicing.ReceiptInvoicedToCustomer: "Invoiced to customer",
		invoicing.ReceiptInvoicedGlobally: "Invoiced globally", invoicing.QuoteSentState: "Sent", invoicing.QuoteAccept: "Accepted",
		invoicing.QuoteReject: "Rejected", invoicing.QuoteExpire: "Expired", invoicing.QuoteConvert: "Converted", invoicing.ProformaIssuedState: "Issued"},
	forms: map[string]string{"01": "Cash", "02": "Check", "03": "Electronic funds transfer",
		"04": "Credit card", "28": "Debit card", "99": "To be defined"},
	methods: map[string]string{"PUE": "Single payment", "PPD": "Installments or deferred"},
	months:  []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	kind:    "Invoice kind", paymentMeans: "Payment means", taxBase: "Taxable base", surcharge: "Equivalence surcharge",
	irpf: "IRPF withheld", rectifyingReason: "Cause of the correction", rectifyingMethod: "Correction",
	rectifyingWhy: "Reason", rectifies: "Corrects invoice", simplified: "SIMPLIFIED INVOICE", rectifying: "CORRECTIVE INVOICE",
	kinds: map[string]string{"F1": "Complete invoice", "F2": "Simplified invoice", "R1": "Corrective (art. 80 One, Two and Six LIVA)",
		"R2": "Corrective (art. 80 Three LIVA)", "R3": "Corrective (art. 80 Four LIVA)", "R4": "Corrective (other causes)", "R5": "Corrective of a simplified invoice"},
	meansES:   map[string]string{"01": "Cash", "02": "Direct debit", "04": "Transfer", "05": "Bill of exchange", "13": "Promissory note", "19": "Card"},
	methodsES: map[string]string{"I": "By differences", "S": "By substitution"},
}

func labelsFor(lang string) labels {
	if lang == English {
		return english
	}
	return spanish
}

// paymentFormName is "03 — Transferencia electrónica de fondos"; a code
// without a name here is shown alone.
func (l labels) paymentFormName(code string) string { return named(code, l.forms) }

func (l labels) paymentMethodName(code string) string { return named(code, l.methods) }

func named(code string, names map[string]string) string {
	if n, ok := names[code]; ok {
		return code + " — " + n
	}
	return code
}

func (l labels) statusName(s string) string {
	if n, ok := l.statuses[s]; ok {
		return n
	}
	return s
}

func (l labels) periodText(p invoicing.RetentionPeriod) string {
	month := func(m int) string {
		if m >= 1 && m <= 12 {
			return l.months[m-1]
		}
		return fmt.Sprint(m)
	}
	if p.FromMonth == p.ToMonth {
		return fmt.Sprintf("%s %d", month(p.FromMonth), p.Year)
	}
	return fmt.Sprintf("%s – %s %d", month(p.FromMonth), month(p.ToMonth), p.Year)
}

// title is the document's name at the top of the first page.
func (l labels) title(d *Document) string {
	switch {
	case d.Kind == "receipt":
		return l.receipt
	case d.Kind == "retention":
		return l.retention
	case d.InvoiceKind == "F2":
		return l.simplified
	case len(d.InvoiceKind) == 2 && d.InvoiceKind[0] == 'R':
		return l.rectifying
	case d.Kind == "quote":
		return l.quote
	case d.Kind == "proforma":
		return l.proforma
	case d.Type == invoicing.TypeEgress:
		return l.creditNote
	}
	return l.invoice
}
