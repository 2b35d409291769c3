package invoicing

import (
	"regexp"

	"github.com/facturo/facturo/internal/jurisdiction/es"
)

// esParties are the parties of Spanish documents.
type esParties struct{}

// euVATPrefix is how an intra-EU VAT number starts: a member state's code.
var euVATPrefix = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z+*]`)

// NormalizeTaxID implements PartyRules: a Spanish NIF (DNI, NIE, CIF) with
// its control character, or the VAT number of a client in another member
// state of the EU, by its shape.
func (esParties) NormalizeTaxID(param, s string) (string, error) {
	if _, err := es.ParseNIF(s); err == nil {
		return s, nil
	} else if !euVATPrefix.MatchString(s) {
		return s, invalid(param, "'%s' is not a valid NIF: %v.", s, err)
	}
	if _, err := es.ParseVAT(s); err != nil {
		return s, invalid(param, "'%s' is neither a valid NIF nor an EU VAT number: %v.", s, err)
	}
	return s, nil
}

// HomeCountry implements PartyRules.
func (esParties) HomeCountry() (string, string, string) { return "ESP", "ES", "Spanish" }
