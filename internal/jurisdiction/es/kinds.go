package es

import "github.com/shopspring/decimal"

// Kind is the kind of a Spanish invoice, with the codes the AEAT uses
// (TipoFactura of VeriFactu).
type Kind string

// The kinds of invoice (Real Decreto 1619/2012).
const (
	Complete   Kind = "F1" // factura completa (art. 6)
	Simplified Kind = "F2" // factura simplificada, a ticket (art. 4 and 7)
	// Rectifying invoices (art. 15), by their cause.
	R1 Kind = "R1" // error fundado en derecho y art. 80 Uno, Dos y Seis LIVA
	R2 Kind = "R2" // art. 80 Tres LIVA: concurso de acreedores
	R3 Kind = "R3" // art. 80 Cuatro LIVA: créditos incobrables
	R4 Kind = "R4" // resto de causas
	R5 Kind = "R5" // rectificación de facturas simplificadas
)

// Reasons describe each rectifying kind, as the PDF prints it.
var Reasons = map[Kind]string{
	R1: "Error fundado en derecho y art. 80 Uno, Dos y Seis LIVA",
	R2: "Art. 80 Tres LIVA (concurso de acreedores)",
	R3: "Art. 80 Cuatro LIVA (créditos incobrables)",
	R4: "Resto de causas",
	R5: "Rectificación de factura simplificada",
}

// Rectifying reports whether k is one of R1 to R5.
func (k Kind) Rectifying() bool {
	_, ok := Reasons[k]
	return ok
}

// Rectifies reports whether an invoice of kind k can rectify one of kind
// orig: R5 rectifies simplified invoices only, R1 to R4 the others.
func (k Kind) Rectifies(orig Kind) bool {
	if k == R5 {
		return orig == Simplified
	}
	return k.Rectifying() && orig != Simplified
}

// Correction methods of a rectifying invoice (TipoRectificativa).
const (
	BySubstitution = "S" // the rectifying invoice replaces the original
	ByDifferences  = "I" // the rectifying invoice states the difference
)

// SimplifiedLimit is the highest total, IVA included, of a simplified
// invoice (art. 4.1 RD 1619/2012). The 3,000 € of the sectors listed in
// art. 4.1 (retail, hospitality, ...) is not modelled.
var SimplifiedLimit = decimal.NewFromInt(400)

// DefaultSeries is the series of a kind when the invoice names none:
// complete, simplified and rectifying invoices are numbered apart, as art.
// 6.1.a RD 1619/2012 requires for rectifying ones.
func (k Kind) DefaultSeries() string {
	switch {
	case k == Simplified:
		return "S"
	case k.Rectifying():
		return "R"
	}
	return "A"
}
