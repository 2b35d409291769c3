package command

import (
	"context"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
)

// load folds an existing object of kind k of t inside tx and returns it
// with the version to append at. A missing, deleted, foreign or
// other-kind id is not found on param, the input field that gave objID
// ("id" for the path).
func load[A invoicing.Aggregate[V], V any](ctx context.Context, tx Tx, t facturo.Tenant, k invoicing.Kind[A, V], objID, param string) (A, int, error) {
	var zero A
	if !k.Has(objID) {
		return zero, 0, notFound(k.Name, objID, param)
	}
	history, err := tx.Load(ctx, stream(t, objID))
	if err != nil {
		return zero, 0, err
	}
	a, err := k.FoldExisting(objID, history)
	if err != nil && facturo.IsCode(err, facturo.CodeNotFound) {
		return zero, 0, notFound(k.Name, objID, param)
	}
	return a, len(history), err
}

// findObject folds the object objID of kind k of t inside tx for a
// decision that names it in its input; it is nil when objID is not an
// existing object of that kind in t (the decision answers not found on its
// field).
func findObject[A invoicing.Aggregate[V], V any](ctx context.Context, tx Tx, t facturo.Tenant, k invoicing.Kind[A, V], objID string) (A, error) {
	var zero A
	if !k.Has(objID) {
		return zero, nil
	}
	history, err := tx.Load(ctx, stream(t, objID))
	if err != nil {
		return zero, err
	}
	a, err := k.FoldExisting(objID, history)
	if facturo.IsCode(err, facturo.CodeNotFound) {
		return zero, nil
	}
	return a, err
}

// pathID checks that objID, from a request path, is shaped like an id of
// kind k: any other is not found like an unknown id.
func pathID[A invoicing.Aggregate[V], V any](k invoicing.Kind[A, V], objID string) error {
	if !k.Has(objID) {
		return facturo.NotFound(k.Name, objID)
	}
	return nil
}

func notFound(object, objID, param string) error {
	e := facturo.NotFound(object, objID)
	e.Param = param
	return e
}

// create appends what decide chooses to a new stream of kind k, in one
// transaction, and returns the new object.
func create[A invoicing.Aggregate[V], V any](ctx context.Context, st Store, t facturo.Tenant, m Meta, k invoicing.Kind[A, V], decide func(Tx) ([]events.Draft, error)) (A, error) {
	return run(ctx, st, m, func(tx Tx) (A, error) {
		var zero A
		drafts, err := decide(tx)
		if err != nil {
			return zero, err
		}
		created, err := tx.Append(ctx, stream(t, k.New()), 0, drafts...)
		if err != nil {
			return zero, err
		}
		return k.Fold(created)
	})
}

// change folds the existing object objID of kind k, lets decide choose on
// it, appends that at the version read and returns the object after the
// change. A decision that fails appends nothing; one that raced only the
// mailer is made again (run).
func change[A invoicing.Aggregate[V], V any](ctx context.Context, st Store, t facturo.Tenant, m Meta, k invoicing.Kind[A, V], objID string, decide func(Tx, A) ([]events.Draft, error)) (A, error) {
	return run(ctx, st, m, func(tx Tx) (A, error) {
		var zero A
		if err := pathID(k, objID); err != nil {
			return zero, err
		}
		history, err := tx.Load(ctx, stream(t, objID))
		if err != nil {
			return zero, err
		}
		a, err := k.FoldExisting(objID, history)
		if err != nil {
			return zero, err
		}
		drafts, err := decide(tx, a)
		if err != nil {
			return zero, err
		}
		added, err := tx.Append(ctx, stream(t, objID), len(history), drafts...)
		if err != nil {
			return zero, err
		}
		return k.Fold(append(history, added...))
	})
}

// Clients and products: plain create, update, delete.

// CreateClient validates in and creates a client.
func CreateClient(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.ClientInput) (*invoicing.Client, error) {
	return create(ctx, st, t, m, invoicing.ClientKind, func(tx Tx) ([]events.Draft, error) {
		r, err := rulesOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		return r.NewClient(in)
	})
}

// UpdateClient applies a patch to a client.
func UpdateClient(ctx context.Context, st Store, t facturo.Tenant, m Meta, clientID string, p invoicing.ClientPatch) (*invoicing.Client, error) {
	return change(ctx, st, t, m, invoicing.ClientKind, clientID, func(_ Tx, c *invoicing.Client) ([]events.Draft, error) { return c.Update(p) })
}

// DeleteClient deletes a client.
func DeleteClient(ctx context.Context, st Store, t facturo.Tenant, m Meta, clientID string, _ None) (*invoicing.Client, error) {
	return change(ctx, st, t, m, invoicing.ClientKind, clientID, func(_ Tx, c *invoicing.Client) ([]events.Draft, error) { return c.Delete() })
}

// CreateProduct validates in and creates a product.
func CreateProduct(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.ProductInput) (*invoicing.Product, error) {
	return create(ctx, st, t, m, invoicing.ProductKind, func(tx Tx) ([]events.Draft, error) {
		if err := resolveTaxRates(ctx, tx, t, []invoicing.ProductAt{{Product: &in}}); err != nil {
			return nil, err
		}
		r, err := rulesOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		return r.NewProduct(in)
	})
}

// UpdateProduct applies a patch to a product.
func UpdateProduct(ctx context.Context, st Store, t facturo.Tenant, m Meta, productID string, p invoicing.ProductPatch) (*invoicing.Product, error) {
	return change(ctx, st, t, m, invoicing.ProductKind, productID, func(tx Tx, pr *invoicing.Product) ([]events.Draft, error) {
		if p.Taxes != nil {
			patch := invoicing.ProductInput{Taxes: *p.Taxes, TaxIncluded: p.TaxIncluded}
			if err := resolveTaxRates(ctx, tx, t, []invoicing.ProductAt{{Product: &patch}}); err != nil {
				return nil, err
			}
			p.Taxes, p.TaxIncluded = &patch.Taxes, patch.TaxIncluded
		}
		return pr.Update(p)
	})
}

// DeleteProduct deletes a product.
func DeleteProduct(ctx context.Context, st Store, t facturo.Tenant, m Meta, productID string, _ None) (*invoicing.Product, error) {
	return change(ctx, st, t, m, invoicing.ProductKind, productID, func(_ Tx, pr *invoicing.Product) ([]events.Draft, error) { return pr.Delete() })
}

// rulesOf are the rules of the country of t's organization.
func rulesOf(ctx context.Context, tx Tx, t facturo.Tenant) (invoicing.Rules, error) {
	c, err := Country(ctx, tx, t)
	if err != nil {
		return invoicing.Rules{}, err
	}
	return invoicing.RulesFor(c), nil
}

// mexicanOnly refuses a Mexican document (receipts, global invoices,
// retention certificates) to an organization of another country.
func mexicanOnly(ctx context.Context, tx Tx, t facturo.Tenant, what string) error {
	c, err := Country(ctx, tx, t)
	if err != nil || c == jurisdiction.MX {
		return err
	}
	return facturo.Errorf(facturo.CodeCountryUnsupported, "%s are Mexican documents; an organization of %s issues invoices only (see /docs/spain).", what, c)
}
