package pdf

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestAmountInWords(t *testing.T) {
	for _, c := range []struct {
		amount, currency, lang, want string
	}{
		{"0", "MXN", Spanish, "CERO PESOS 00/100 M.N."},
		{"1", "MXN", Spanish, "UN PESO 00/100 M.N."},
		{"1.5", "MXN", Spanish, "UN PESO 50/100 M.N."},
		{"21", "MXN", Spanish, "VEINTIÚN PESOS 00/100 M.N."},
		{"16.16", "MXN", Spanish, "DIECISÉIS PESOS 16/100 M.N."},
		{"31", "MXN", Spanish, "TREINTA Y UN PESOS 00/100 M.N."},
		{"100", "MXN", Spanish, "CIEN PESOS 00/100 M.N."},
		{"101", "MXN", Spanish, "CIENTO UN PESOS 00/100 M.N."},
		{"115", "MXN", Spanish, "CIENTO QUINCE PESOS 00/100 M.N."},
		{"999.99", "MXN", Spanish, "NOVECIENTOS NOVENTA Y NUEVE PESOS 99/100 M.N."},
		{"1000", "MXN", Spanish, "MIL PESOS 00/100 M.N."},
		{"1234.56", "MXN", Spanish, "MIL DOSCIENTOS TREINTA Y CUATRO PESOS 56/100 M.N."},
		{"1234.565", "MXN", Spanish, "MIL DOSCIENTOS TREINTA Y CUATRO PESOS 57/100 M.N."},
		{"21000", "MXN", Spanish, "VEINTIÚN MIL PESOS 00/100 M.N."},
		{"100000", "MXN", Spanish, "CIEN MIL PESOS 00/100 M.N."},
		{"101000", "MXN", Spanish, "CIENTO UN MIL PESOS 00/100 M.N."},
		{"1000000", "MXN", Spanish, "UN MILLÓN DE PESOS 00/100 M.N."},
		{"1001000", "MXN", Spanish, "UN MILLÓN MIL PESOS 00/100 M.N."},
		{"2000001", "MXN", Spanish, "DOS MILLONES UN PESOS 00/100 M.N."},
		{"21000000", "MXN", Spanish, "VEINTIÚN MILLONES DE PESOS 00/100 M.N."},
		{"1000000000", "MXN", Spanish, "MIL MILLONES DE PESOS 00/100 M.N."},
		{"1000000000000", "MXN", Spanish, "UN BILLÓN DE PESOS 00/100 M.N."},
		{"2000000000001", "MXN", Spanish, "DOS BILLONES UN PESOS 00/100 M.N."},
		{"5000001000000", "MXN", Spanish, "CINCO BILLONES UN MILLÓN DE PESOS 00/100 M.N."},
		{"1000000000000000000", "MXN", Spanish, "UN TRILLÓN DE PESOS 00/100 M.N."},
		{"1000000000000000000000000", "MXN", Spanish, "1000000000000000000000000 PESOS 00/100 M.N."},
		{"1234.56", "USD", Spanish, "MIL DOSCIENTOS TREINTA Y CUATRO DÓLARES 56/100 USD"},
		{"-5", "MXN", Spanish, "MENOS CINCO PESOS 00/100 M.N."},
		{"0", "USD", English, "Zero and 00/100 US dollars"},
		{"1", "USD", English, "One and 00/100 US dollar"},
		{"21", "USD", English, "Twenty-one and 00/100 US dollars"},
		{"100", "USD", English, "One hundred and 00/100 US dollars"},
		{"101", "USD", English, "One hundred one and 00/100 US dollars"},
		{"1234.56", "USD", English, "One thousand two hundred thirty-four and 56/100 US dollars"},
		{"1000000", "MXN", English, "One million and 00/100 Mexican pesos"},
		{"1001000", "EUR", English, "One million one thousand and 00/100 euros"},
		{"1000000000000", "USD", English, "One trillion and 00/100 US dollars"},
		{"3000000000017.4", "USD", English, "Three trillion seventeen and 40/100 US dollars"},
		{"12.5", "GBP", English, "Twelve and 50/100 GBP"},
	} {
		got := AmountInWords(decimal.RequireFromString(c.amount), c.currency, c.lang)
		if got != c.want {
			t.Errorf("%s %s (%s): got %q, want %q", c.amount, c.currency, c.lang, got, c.want)
		}
	}
}
