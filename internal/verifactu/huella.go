package verifactu

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	_ "time/tzdata" // the fingerprint's times are Spanish: Europe/Madrid must load anywhere

	"github.com/shopspring/decimal"
)

// spain is the time zone of the dates and times a record shows: AEAT
// takes FechaExpedicionFactura as a day in Spain and FechaHoraHusoGenRegistro
// with its offset. The peninsula's zone; the Canary Islands' would only
// change the offset shown, never the instant.
var spain = mustZone("Europe/Madrid")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil { // cannot happen: time/tzdata is linked in
		return time.UTC
	}
	return loc
}

// Fingerprint is the huella of a record holding e, chained after previous
// ("" for the first record): the SHA-256 of the fields AEAT lists for its
// kind, as "name=value" pairs joined by "&", in UTF-8, as 64 uppercase
// hexadecimal digits. Values are trimmed of surrounding blanks, as the
// specification asks.
func Fingerprint(e Entry, previous string) string {
	sum := sha256.Sum256([]byte(FingerprintInput(e, previous)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// FingerprintInput is the text a record's huella is the SHA-256 of.
//
// Alta: IDEmisorFactura, NumSerieFactura, FechaExpedicionFactura,
// TipoFactura, CuotaTotal, ImporteTotal, Huella (the previous record's),
// FechaHoraHusoGenRegistro. Anulación: IDEmisorFacturaAnulada,
// NumSerieFacturaAnulada, FechaExpedicionFacturaAnulada, Huella,
// FechaHoraHusoGenRegistro.
func FingerprintInput(e Entry, previous string) string {
	if e.Kind == KindAnulacion {
		return pairs(
			"IDEmisorFacturaAnulada", e.IssuerNIF,
			"NumSerieFacturaAnulada", e.InvoiceNumber,
			"FechaExpedicionFacturaAnulada", Date(e.IssueDate),
			"Huella", previous,
			"FechaHoraHusoGenRegistro", Timestamp(e.GeneratedAt),
		)
	}
	return pairs(
		"IDEmisorFactura", e.IssuerNIF,
		"NumSerieFactura", e.InvoiceNumber,
		"FechaExpedicionFactura", Date(e.IssueDate),
		"TipoFactura", e.InvoiceType,
		"CuotaTotal", Amount(e.TaxTotal),
		"ImporteTotal", Amount(e.Total),
		"Huella", previous,
		"FechaHoraHusoGenRegistro", Timestamp(e.GeneratedAt),
	)
}

func pairs(kv ...string) string {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(strings.TrimSpace(kv[i+1]))
	}
	return b.String()
}

// Date is a day as AEAT writes it: dd-mm-yyyy, the day in Spain.
func Date(t time.Time) string { return t.In(spain).Format("02-01-2006") }

// Timestamp is FechaHoraHusoGenRegistro: ISO 8601 to the second with the
// Spanish offset, e.g. 2024-01-01T19:20:30+01:00.
func Timestamp(t time.Time) string { return t.In(spain).Format("2006-01-02T15:04:05-07:00") }

// Amount is an amount as a record carries it: a point and two decimals,
// no thousands separator, a minus sign when negative.
func Amount(d decimal.Decimal) string { return d.StringFixed(2) }
