package verifactu

import (
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// The hosts of AEAT's invoice check (ValidarQR) for invoices of a
// VERI*FACTU system: its pre-production host for test mode, the sede
// electrónica for live mode.
const (
	QRBaseTest = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
	QRBaseLive = "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR"
)

// Legends an invoice of a VERI*FACTU system shows with its QR code.
const (
	LegendVerifiable = "Factura verificable en la sede electrónica de la AEAT"
	LegendVerifactu  = "VERI*FACTU"
)

// QRURL is the address the QR code of an invoice holds: AEAT's ValidarQR
// with the issuer's NIF, the series and number, the issue date
// (dd-mm-yyyy) and the total, in that order, each URL-encoded (the "&"
// of a number must not end the parameter). a is the registro de alta of
// the invoice; test mode points at the pre-production host.
func QRURL(a Entry, livemode bool) string {
	base := QRBaseTest
	if livemode {
		base = QRBaseLive
	}
	var b strings.Builder
	b.WriteString(base)
	for i, kv := range [][2]string{
		{"nif", a.IssuerNIF}, {"numserie", a.InvoiceNumber},
		{"fecha", Date(a.IssueDate)}, {"importe", Amount(a.Total)},
	} {
		b.WriteByte("?&"[min(i, 1)])
		b.WriteString(kv[0] + "=" + url.QueryEscape(strings.TrimSpace(kv[1])))
	}
	return b.String()
}

// QR is the QR code of an invoice's ValidarQR address, as a square of
// modules (true: dark), quiet zone included. Error correction level M,
// as AEAT asks.
func QR(address string) ([][]bool, error) {
	q, err := qrcode.New(address, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}
