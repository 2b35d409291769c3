package es

import (
	"fmt"
	"regexp"
)

// vatFormats are the shapes of the VAT numbers of the other member states
// of the EU (what follows the two-letter prefix, which for Greece is EL),
// as the Commission's VIES publishes them. Only the shape is checked: VIES,
// which says whether a number is registered, is not reachable from here.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U[0-9]{8}$`),
	"BE": regexp.MustCompile(`^[01][0-9]{9}$`),
	"BG": regexp.MustCompile(`^[0-9]{9,10}$`),
	"CY": regexp.MustCompile(`^[0-9]{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^[0-9]{8,10}$`),
	"DE": regexp.MustCompile(`^[0-9]{9}$`),
	"DK": regexp.MustCompile(`^[0-9]{8}$`),
	"EE": regexp.MustCompile(`^[0-9]{9}$`),
	"EL": regexp.MustCompile(`^[0-9]{9}$`),
	"FI": regexp.MustCompile(`^[0-9]{8}$`),
	"FR": regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`),
	"HR": regexp.MustCompile(`^[0-9]{11}$`),
	"HU": regexp.MustCompile(`^[0-9]{8}$`),
	"IE": regexp.MustCompile(`^([0-9]{7}[A-W][A-I]?|[0-9][A-Z+*][0-9]{5}[A-W])$`),
	"IT": regexp.MustCompile(`^[0-9]{11}$`),
	"LT": regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`),
	"LU": regexp.MustCompile(`^[0-9]{8}$`),
	"LV": regexp.MustCompile(`^[0-9]{11}$`),
	"MT": regexp.MustCompile(`^[0-9]{8}$`),
	"NL": regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{10}$`),
	"PT": regexp.MustCompile(`^[0-9]{9}$`),
	"RO": regexp.MustCompile(`^[1-9][0-9]{1,9}$`),
	"SE": regexp.MustCompile(`^[0-9]{10}01$`),
	"SI": regexp.MustCompile(`^[0-9]{8}$`),
	"SK": regexp.MustCompile(`^[0-9]{10}$`),
}

// ParseVAT checks an intra-EU VAT number: a member state's prefix and the
// shape of that state's numbers. A Spanish one (ES + NIF) has its NIF's
// control character checked too. It returns the member state.
func ParseVAT(s string) (string, error) {
	if len(s) < 4 {
		return "", fmt.Errorf("%s is too short for an EU VAT number", s)
	}
	state, rest := s[:2], s[2:]
	if state == "ES" {
		_, err := ParseNIF(rest)
		return state, err
	}
	f, ok := vatFormats[state]
	if !ok {
		return "", fmt.Errorf("%s does not start with the prefix of an EU member state (DE, FR, IT, ...; EL for Greece)", s)
	}
	if !f.MatchString(rest) {
		return "", fmt.Errorf("%s is not shaped like a VAT number of %s", s, state)
	}
	return state, nil
}
