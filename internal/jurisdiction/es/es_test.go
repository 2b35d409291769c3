package es

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseNIF(t *testing.T) {
	tests := []struct {
		in   string
		kind IDKind // "" when invalid
	}{
		{"12345678Z", DNI},
		{"00000000T", DNI},
		{"X1234567L", NIE},
		{"Y1234567X", NIE},
		{"Z1234567R", NIE},
		{"K1234567L", KLM},
		{"B12345674", CIF},
		{"A58818501", CIF},
		{"P1234567D", CIF},
		{"Q2826000H", CIF},
		{"G1234567D", CIF}, // G takes a digit or a letter
		{"G12345674", CIF},
		{"12345678A", ""}, // wrong letter
		{"X1234567A", ""},
		{"B12345675", ""}, // wrong digit
		{"B1234567D", ""}, // B ends in a digit
		{"P12345674", ""}, // P ends in a letter
		{"I12345674", ""}, // no entity letter I
		{"1234567Z", ""},
		{"AAA010101AAA", ""}, // a Mexican RFC
		{"", ""},
	}
	for _, tt := range tests {
		kind, err := ParseNIF(tt.in)
		if tt.kind == "" {
			if err == nil {
				t.Errorf("ParseNIF(%q) = %s, want an error", tt.in, kind)
			}
			continue
		}
		if err != nil || kind != tt.kind {
			t.Errorf("ParseNIF(%q) = %s, %v; want %s", tt.in, kind, err, tt.kind)
		}
	}
}

func TestParseVAT(t *testing.T) {
	valid := []string{"DE123456789", "FR12345678901", "FRXX123456789", "NL123456789B01", "IT12345678901", "PT123456789",
		"ATU12345678", "BE0123456789", "EL123456789", "IE1234567WA", "SE123456789001", "ESB12345674", "ESX1234567L"}
	for _, s := range valid {
		if _, err := ParseVAT(s); err != nil {
			t.Errorf("ParseVAT(%q): %v", s, err)
		}
	}
	invalid := []string{"DE12345678", "FR1234567890", "NL123456789", "GR123456789", "US123456789", "ESB12345675", "ATU1234567", "SE1234567890", "DE"}
	for _, s := range invalid {
		if _, err := ParseVAT(s); err == nil {
			t.Errorf("ParseVAT(%q) accepted it", s)
		}
	}
}

func TestSurchargePairsWithIVA(t *testing.T) {
	for iva, want := range map[string]string{"0.21": "0.052", "0.10": "0.014", "0.04": "0.005"} {
		got, ok := Surcharge(decimal.RequireFromString(iva))
		if !ok || !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("Surcharge(%s) = %s, %t; want %s", iva, got, ok, want)
		}
	}
	if _, ok := Surcharge(decimal.Zero); ok {
		t.Error("IVA 0 % has no recargo")
	}
}

func TestRectifies(t *testing.T) {
	for _, c := range []struct {
		k, orig Kind
		want    bool
	}{
		{R1, Complete, true}, {R4, Complete, true}, {R5, Simplified, true},
		{R5, Complete, false}, {R1, Simplified, false}, {Complete, Complete, false},
	} {
		if got := c.k.Rectifies(c.orig); got != c.want {
			t.Errorf("%s.Rectifies(%s) = %t, want %t", c.k, c.orig, got, c.want)
		}
	}
}
