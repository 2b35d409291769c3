// Package es holds the rules of Spanish tax law that Facturo applies to
// the documents of an organization whose country is ES, as pure
// functions over plain values: tax identification numbers (NIF, NIE, CIF)
// and the VAT numbers of intra-EU clients, the rates of IVA, recargo de
// equivalencia and IRPF, and the kinds of invoice with their limits.
// Package invoicing applies them to its documents.
package es
