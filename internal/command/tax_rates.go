package command

import (
	"context"
	"fmt"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateTaxRate validates in and creates a tax rate.
func CreateTaxRate(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.TaxRateInput) (*invoicing.TaxRate, error) {
	return create(ctx, st, t, m, invoicing.TaxRateKind, func(tx Tx) ([]events.Draft, error) {
		r, err := rulesOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		return r.NewTaxRate(in)
	})
}

// UpdateTaxRate applies a patch to a tax rate; the documents and products
// that copied it keep their copy.
func UpdateTaxRate(ctx context.Context, st Store, t facturo.Tenant, m Meta, rateID string, p invoicing.TaxRatePatch) (*invoicing.TaxRate, error) {
	return change(ctx, st, t, m, invoicing.TaxRateKind, rateID, func(_ Tx, r *invoicing.TaxRate) ([]events.Draft, error) { return r.Update(p) })
}

// DeleteTaxRate deletes a tax rate.
func DeleteTaxRate(ctx context.Context, st Store, t facturo.Tenant, m Meta, rateID string, _ None) (*invoicing.TaxRate, error) {
	return change(ctx, st, t, m, invoicing.TaxRateKind, rateID, func(_ Tx, r *invoicing.TaxRate) ([]events.Draft, error) { return r.Delete() })
}

// resolveTaxRates folds, inside tx, the tax rates of t that the products'
// taxes name and copies each into the tax that names it
// (invoicing.ResolveTaxRates). A rate of another tenant or kind reads as
// missing.
func resolveTaxRates(ctx context.Context, tx Tx, t facturo.Tenant, products []invoicing.ProductAt) error {
	rates := map[string]*invoicing.TaxRate{}
	for _, rid := range invoicing.TaxRateIDs(products) {
		r, err := findObject(ctx, tx, t, invoicing.TaxRateKind, rid)
		if err != nil {
			return fmt.Errorf("tax rate %s: %w", rid, err)
		}
		rates[rid] = r
	}
	return invoicing.ResolveTaxRates(products, rates)
}
