package pdf

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Languages a document can be written in (the organization's
// document_language).
const (
	Spanish = "es"
	English = "en"
)

// AmountInWords writes amount (rounded half up to cents) the way an
// invoice states its total: in Spanish as Mexican invoices do ("MIL
// DOSCIENTOS TREINTA Y CUATRO PESOS 56/100 M.N."), in English as a cheque
// does ("One thousand two hundred thirty-four and 56/100 US dollars").
// Amounts too large to have a name (10^24 and up) are written in digits.
func AmountInWords(amount decimal.Decimal, currency, lang string) string {
	amount = amount.Round(2)
	neg := amount.IsNegative()
	amount = amount.Abs()
	whole := amount.Truncate(0)
	cents := amount.Sub(whole).Shift(2).IntPart()
	var n []int64 // groups of three digits, least significant first
	for w := whole; w.IsPositive(); w = w.Div(decimal.NewFromInt(1000)).Truncate(0) {
		n = append(n, w.Mod(decimal.NewFromInt(1000)).IntPart())
	}
	if lang == English {
		return englishAmount(n, whole.String(), cents, currency, neg)
	}
	return spanishAmount(n, whole.String(), cents, currency, neg)
}

// spanishCurrency is the noun (singular, plural) and the suffix after the
// cents of each currency in Spanish.
func spanishCurrency(code string) (one, many, suffix string) {
	switch code {
	case "MXN":
		return "PESO", "PESOS", "M.N."
	case "USD":
		return "DÓLAR", "DÓLARES", "USD"
	case "EUR":
		return "EURO", "EUROS", "EUR"
	}
	return code, code, ""
}

func spanishAmount(groups []int64, digits string, cents int64, currency string, neg bool) string {
	one, many, suffix := spanishCurrency(currency)
	var words string
	switch {
	case len(groups) == 0:
		words = "CERO"
	case len(groups) > 8:
		words = digits
	default:
		words = spanishNumber(groups)
	}
	noun := many
	if len(groups) == 1 && groups[0] == 1 {
		noun = one
	}
	// "UN MILLÓN DE PESOS", but "UN MILLÓN MIL PESOS".
	if len(groups) > 2 && len(groups) <= 8 && groups[0] == 0 && groups[1] == 0 {
		noun = "DE " + noun
	}
	s := fmt.Sprintf("%s %s %02d/100", words, noun, cents)
	if suffix != "" {
		s += " " + suffix
	}
	if neg {
		s = "MENOS " + s
	}
	return s
}

// spanishNumber names a number given as groups of three digits (at most
// eight: up to 10^24 - 1) in the long scale: millón 10^6, billón 10^12,
// trillón 10^18. Every "uno" is shortened ("UN", "VEINTIÚN"), as it is
// before the currency's noun and before MIL, MILLONES...
func spanishNumber(groups []int64) string {
	big := []struct{ one, many string }{{"", ""}, {"MILLÓN", "MILLONES"}, {"BILLÓN", "BILLONES"}, {"TRILLÓN", "TRILLONES"}}
	var parts []string
	for i := (len(groups)+1)/2 - 1; i >= 0; i-- {
		lo, hi := group(groups, 2*i), group(groups, 2*i+1)
		if lo == 0 && hi == 0 {
			continue
		}
		var p []string
		switch hi {
		case 0:
		case 1:
			p = append(p, "MIL")
		default:
			p = append(p, spanishHundreds(hi), "MIL")
		}
		if lo > 0 {
			p = append(p, spanishHundreds(lo))
		}
		if i > 0 {
			if lo == 1 && hi == 0 {
				p = append(p, big[i].one)
			} else {
				p = append(p, big[i].many)
			}
		}
		parts = append(parts, strings.Join(p, " "))
	}
	return strings.Join(parts, " ")
}

func group(groups []int64, i int) int64 {
	if i < len(groups) {
		return groups[i]
	}
	return 0
}

var (
	esUnits = []string{"", "UN", "DOS", "TRES", "CUATRO", "CINCO", "SEIS", "SIETE", "OCHO", "NUEVE",
		"DIEZ", "ONCE", "DOCE", "TRECE", "CATORCE", "QUINCE", "DIECISÉIS", "DIECISIETE", "DIECIOCHO", "DIECINUEVE",
		"VEINTE", "VEINTIÚN", "VEINTIDÓS", "VEINTITRÉS", "VEINTICUATRO", "VEINTICINCO", "VEINTISÉIS", "VEINTISIETE", "VEINTIOCHO", "VEINTINUEVE"}
	esTens     = []string{"", "", "", "TREINTA", "CUARENTA", "CINCUENTA", "SESENTA", "SETENTA", "OCHENTA", "NOVENTA"}
	esHundreds = []string{"", "CIENTO", "DOSCIENTOS", "TRESCIENTOS", "CUATROCIENTOS", "QUINIENTOS", "SEISCIENTOS", "SETECIENTOS", "OCHOCIENTOS", "NOVECIENTOS"}
)

// spanishHundreds names 1..999.
func spanishHundreds(n int64) string {
	if n == 100 {
		return "CIEN"
	}
	var p []string
	if n >= 100 {
		p = append(p, esHundreds[n/100])
	}
	switch r := n % 100; {
	case r == 0:
	case r < 30:
		p = append(p, esUnits[r])
	case r%10 == 0:
		p = append(p, esTens[r/10])
	default:
		p = append(p, esTens[r/10], "Y", esUnits[r%10])
	}
	return strings.Join(p, " ")
}

// englishCurrency is the currency's name after the cents (singular,
// plural).
func englishCurrency(code string) (one, many string) {
	switch code {
	case "USD":
		return "US dollar", "US dollars"
	case "MXN":
		return "Mexican peso", "Mexican pesos"
	case "EUR":
		return "euro", "euros"
	}
	return code, code
}

var (
	enUnits = []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	enTens   = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	enScales = []string{"", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion", "sextillion"}
)

func englishAmount(groups []int64, digits string, cents int64, currency string, neg bool) string {
	one, many := englishCurrency(currency)
	var words string
	switch {
	case len(groups) == 0:
		words = "zero"
	case len(groups) > len(enScales):
		words = digits
	default:
		var parts []string
		for i := len(groups) - 1; i >= 0; i-- {
			if groups[i] == 0 {
				continue
			}
			parts = append(parts, englishHundreds(groups[i]))
			if i > 0 {
				parts = append(parts, enScales[i])
			}
		}
		words = strings.Join(parts, " ")
	}
	noun := many
	if len(groups) == 1 && groups[0] == 1 && cents == 0 {
		noun = one
	}
	s := fmt.Sprintf("%s and %02d/100 %s", words, cents, noun)
	if neg {
		s = "minus " + s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// englishHundreds names 1..999.
func englishHundreds(n int64) string {
	var p []string
	if n >= 100 {
		p = append(p, enUnits[n/100], "hundred")
	}
	switch r := n % 100; {
	case r == 0:
	case r < 20:
		p = append(p, enUnits[r])
	case r%10 == 0:
		p = append(p, enTens[r/10])
	default:
		p = append(p, enTens[r/10]+"-"+enUnits[r%10])
	}
	return strings.Join(p, " ")
}
