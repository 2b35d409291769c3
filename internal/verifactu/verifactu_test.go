package verifactu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/verifactu"
	"github.com/shopspring/decimal"
)

// The worked examples of AEAT's "Detalle de las especificaciones técnicas
// para generación de la huella o hash de los registros de facturación"
// (v0.1.2): a first registro de alta, a second one chained to it, and a
// registro de anulación chained to the second.
const (
	specHash1 = "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
	specHash2 = "F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97"
	specHash3 = "177547C0D57AC74748561D054A9CEC14B4C4EA23D1BEFD6F2E69E3A388F90C68"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func specAlta(number, generated string) verifactu.Entry {
	return verifactu.Entry{
		Kind: verifactu.KindAlta, IssuerNIF: "89890001K", InvoiceNumber: number,
		IssueDate: at("2024-01-01T12:00:00+01:00"), InvoiceType: "F1",
		TaxTotal: decimal.RequireFromString("12.35"), Total: decimal.RequireFromString("123.45"),
		GeneratedAt: at(generated),
	}
}

func specChain() []verifactu.Record {
	first := verifactu.Link(nil, specAlta("12345678/G33", "2024-01-01T19:20:30+01:00"))
	second := verifactu.Link(&first, specAlta("12345679/G34", "2024-01-01T19:20:35+01:00"))
	third := verifactu.Link(&second, verifactu.Entry{
		Kind: verifactu.KindAnulacion, IssuerNIF: "89890001K", InvoiceNumber: "12345679/G34",
		IssueDate: at("2024-01-01T00:30:00+01:00"), GeneratedAt: at("2024-01-01T18:20:40Z"),
	})
	chain := []verifactu.Record{first, second, third}
	for i := range chain {
		chain[i].ID = "vfr_" + string(rune('a'+i))
	}
	return chain
}

func TestFingerprintMatchesTheSpecificationExamples(t *testing.T) {
	chain := specChain()
	wantInput := []string{
		"IDEmisorFactura=89890001K&NumSerieFactura=12345678/G33&FechaExpedicionFactura=01-01-2024&TipoFactura=F1&CuotaTotal=12.35&ImporteTotal=123.45&Huella=&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00",
		"IDEmisorFactura=89890001K&NumSerieFactura=12345679/G34&FechaExpedicionFactura=01-01-2024&TipoFactura=F1&CuotaTotal=12.35&ImporteTotal=123.45&Huella=" + specHash1 + "&FechaHoraHusoGenRegistro=2024-01-01T19:20:35+01:00",
		"IDEmisorFacturaAnulada=89890001K&NumSerieFacturaAnulada=12345679/G34&FechaExpedicionFacturaAnulada=01-01-2024&Huella=" + specHash2 + "&FechaHoraHusoGenRegistro=2024-01-01T19:20:40+01:00",
	}
	for i, want := range []string{specHash1, specHash2, specHash3} {
		r := chain[i]
		if got := verifactu.FingerprintInput(r.Entry, r.PreviousHash); got != wantInput[i] {
			t.Errorf("record %d: input\n got %s\nwant %s", i+1, got, wantInput[i])
		}
		if r.Hash != want {
			t.Errorf("record %d: huella %s, want %s", i+1, r.Hash, want)
		}
		if r.Sequence != int64(i+1) || r.Status != verifactu.StatusPending {
			t.Errorf("record %d: sequence %d status %q", i+1, r.Sequence, r.Status)
		}
	}
}

func TestFingerprintTrimsValuesAndFormatsAmounts(t *testing.T) {
	e := specAlta(" 12345678/G33 ", "2024-01-01T19:20:30+01:00")
	e.IssuerNIF = "89890001K "
	e.TaxTotal = decimal.RequireFromString("12.350")
	if got := verifactu.Fingerprint(e, ""); got != specHash1 {
		t.Errorf("huella %s, want %s", got, specHash1)
	}
	e.Total = decimal.RequireFromString("-5")
	if got := verifactu.FingerprintInput(e, ""); !strings.Contains(got, "&ImporteTotal=-5.00&") {
		t.Errorf("negative amount: %s", got)
	}
	// Summer time: the offset follows Spain's.
	if got := verifactu.Timestamp(at("2025-07-01T10:00:00Z")); got != "2025-07-01T12:00:00+02:00" {
		t.Errorf("summer timestamp %s", got)
	}
	// The issue date is the day in Spain, not in UTC.
	if got := verifactu.Date(at("2025-03-31T22:30:00Z")); got != "01-04-2025" {
		t.Errorf("date %s", got)
	}
}

func TestVerifyNamesTheFirstBrokenLink(t *testing.T) {
	if b := verifactu.Verify(specChain()); b != nil {
		t.Fatalf("intact chain: %v", b)
	}
	cases := []struct {
		name   string
		alter  func(c []verifactu.Record) []verifactu.Record
		id     string
		reason string
	}{
		{"a field changed", func(c []verifactu.Record) []verifactu.Record {
			c[1].Total = decimal.RequireFromString("1.00")
			return c
		}, "vfr_b", "fingerprint does not match"},
		{"a fingerprint replaced", func(c []verifactu.Record) []verifactu.Record {
			c[0].Hash = strings.Repeat("0", 64)
			return c
		}, "vfr_a", "fingerprint does not match"},
		{"a record rewritten with its own fingerprint", func(c []verifactu.Record) []verifactu.Record {
			c[0].Total = decimal.RequireFromString("1.00")
			c[0].Hash = verifactu.Fingerprint(c[0].Entry, "")
			return c
		}, "vfr_b", "previous fingerprint"},
		{"a record removed", func(c []verifactu.Record) []verifactu.Record {
			return append(c[:1], c[2:]...)
		}, "vfr_c", "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := verifactu.Verify(tc.alter(specChain()))
			if b == nil {
				t.Fatal("altered chain verified")
			}
			if b.RecordID != tc.id || !strings.Contains(b.Reason, tc.reason) {
				t.Errorf("break at %s (%s), want %s (%s)", b.RecordID, b.Reason, tc.id, tc.reason)
			}
		})
	}
}

func TestQRURL(t *testing.T) {
	// The specification's example, with the total written with its two
	// decimals (the example shows 241.4; AEAT reads both as the same amount).
	e := verifactu.Entry{IssuerNIF: "89890001K", InvoiceNumber: "12345678&G33",
		IssueDate: at("2024-01-01T10:00:00+01:00"), Total: decimal.RequireFromString("241.4")}
	want := "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.40"
	if got := verifactu.QRURL(e, false); got != want {
		t.Errorf("test mode:\n got %s\nwant %s", got, want)
	}
	if got := verifactu.QRURL(e, true); !strings.HasPrefix(got, verifactu.QRBaseLive+"?nif=89890001K&") {
		t.Errorf("live mode: %s", got)
	}
	m, err := verifactu.QR(want)
	if err != nil {
		t.Fatal(err)
	}
	// This URL at level M needs version 7 (45 modules), plus the 4-module
	// quiet zone on each side; a finder pattern's dark corner.
	if len(m) != 53 || len(m[0]) != 53 || !m[4][4] || m[3][3] {
		t.Errorf("QR of %d×%d modules", len(m), len(m[0]))
	}
}
