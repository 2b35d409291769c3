package invoicing

import (
	"fmt"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
)

// validateCurrency accepts an ISO 4217 code that the CLDR currency data
// knows ("XYZ" has the shape of one and is not), as code is given: upper
// case, after the defaults were applied.
func validateCurrency(param, code string) error {
	if err := matches(currencyPattern, param, code, "an ISO 4217 currency code"); err != nil {
		return err
	}
	if _, err := currency.ParseISO(code); err != nil {
		return invalid(param, "'%s' is not an ISO 4217 currency code.", code)
	}
	return nil
}

// requireExchange refuses a document in a currency other than home (the
// currency of the country's tax amounts) whose exchange rate was not
// given: a default of 1 would value USD 100 at MXN 100.
func requireExchange(home, currencyCode string, exchange *decimal.Decimal) error {
	if currencyCode != home && exchange == nil {
		return missingBecause("exchange", fmt.Sprintf("exchange (the rate to %s) is required for a document in %s.", home, currencyCode))
	}
	return nil
}
