// Package jurisdiction holds what depends on the country whose law an
// organization's documents follow: the country itself, chosen when the
// organization is created and never changed, and the rules each country
// gives its documents.
package jurisdiction

import "github.com/facturo/facturo"

// Country is the jurisdiction of an organization, as an ISO 3166-1 alpha-2
// code.
type Country string

// The countries Facturo knows. MX is what every organization created
// before countries existed follows.
const (
	MX Country = "MX"
	ES Country = "ES"
)

// Default is the country of an organization created without one, and of
// every organization.created recorded before the field existed.
const Default = MX

// Countries lists the known countries, the default first.
var Countries = []Country{MX, ES}

// ParseCountry reads a country as a request gives it; "" is the default.
func ParseCountry(s string) (Country, error) {
	if s == "" {
		return Default, nil
	}
	for _, c := range Countries {
		if string(c) == s {
			return c, nil
		}
	}
	return "", facturo.ParamError(facturo.CodeParameterInvalid, "country", "country must be MX or ES.")
}

// OrDefault is c, or the default for the "" of events recorded before
// organizations had a country.
func (c Country) OrDefault() Country {
	if c == "" {
		return Default
	}
	return c
}
