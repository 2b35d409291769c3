package es

import (
	"fmt"
	"regexp"
	"strings"
)

// IDKind is the kind of a Spanish tax identification number.
type IDKind string

// The kinds of NIF: a person's DNI, a foreigner's NIE, a legal entity's
// CIF, and the NIFs that start with K, L or M (minors without DNI,
// non-residents, foreigners without NIE).
const (
	DNI IDKind = "DNI"
	NIE IDKind = "NIE"
	CIF IDKind = "CIF"
	KLM IDKind = "KLM"
)

// dniLetters are the control letters of a DNI or NIE, by the number mod 23.
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

var (
	dniPattern = regexp.MustCompile(`^[0-9]{8}[A-Z]$`)
	niePattern = regexp.MustCompile(`^[XYZ][0-9]{7}[A-Z]$`)
	klmPattern = regexp.MustCompile(`^[KLM][0-9]{7}[A-Z]$`)
	cifPattern = regexp.MustCompile(`^[ABCDEFGHJNPQRSUVW][0-9]{7}[0-9A-J]$`)
)

// ParseNIF checks a Spanish tax identification number, upper case without
// separators, and its control character, and tells its kind.
func ParseNIF(s string) (IDKind, error) {
	switch {
	case dniPattern.MatchString(s):
		return DNI, checkLetter(s[:8], s[8])
	case niePattern.MatchString(s):
		return NIE, checkLetter(string(rune('0'+strings.IndexByte("XYZ", s[0])))+s[1:8], s[8])
	case klmPattern.MatchString(s):
		return KLM, checkLetter(s[1:8], s[8])
	case cifPattern.MatchString(s):
		return CIF, checkCIF(s)
	}
	return "", fmt.Errorf("%s is not shaped like a NIF (DNI 12345678Z, NIE X1234567L or CIF B12345674)", s)
}

func checkLetter(digits string, got byte) error {
	n := 0
	for _, d := range digits {
		n = n*10 + int(d-'0')
	}
	if want := dniLetters[n%23]; got != want {
		return fmt.Errorf("the control letter of %s%c should be %c", digits, got, want)
	}
	return nil
}

// cifDigitOnly are the entity letters whose CIF ends in a digit, and
// cifLetterOnly those whose CIF ends in a letter; the others take either.
const (
	cifDigitOnly  = "ABEH"
	cifLetterOnly = "NPQRSW"
)

// checkCIF checks the control character of a CIF: over its seven digits,
// the digits in even places are added, those in odd places are doubled
// and their digits added; the control is 10 minus the last digit of the
// sum, as a digit or as the letter of "JABCDEFGHI" at that place.
func checkCIF(s string) error {
	sum := 0
	for i, d := range s[1:8] {
		n := int(d - '0')
		if i%2 == 0 {
			n *= 2
			n = n/10 + n%10
		}
		sum += n
	}
	c := (10 - sum%10) % 10
	digit, letter := byte('0'+c), "JABCDEFGHI"[c]
	got := s[8]
	switch {
	case strings.IndexByte(cifDigitOnly, s[0]) >= 0 && got != digit:
		return fmt.Errorf("the control digit of %s should be %c", s, digit)
	case strings.IndexByte(cifLetterOnly, s[0]) >= 0 && got != letter:
		return fmt.Errorf("the control letter of %s should be %c", s, letter)
	case got != digit && got != letter:
		return fmt.Errorf("the control character of %s should be %c or %c", s, digit, letter)
	}
	return nil
}

// PersonType is F for a natural person (DNI, NIE, K/L/M) and J for a legal
// entity (CIF), as Facturae's PersonTypeCode has it.
func (k IDKind) PersonType() string {
	if k == CIF {
		return "J"
	}
	return "F"
}
