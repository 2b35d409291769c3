package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/facturo/facturo/client"
)

// A scenario makes the API write one type of event, in test mode, by
// creating what that event needs first. It returns the id of the object the
// event is about.
type scenario func(ctx context.Context, f *fixture) (string, error)

// fixture builds the objects scenarios share, through the public API.
type fixture struct {
	c   *client.Client
	tag string // keeps the run's objects apart from others
}

func (f *fixture) client(ctx context.Context) (*client.Customer, error) {
	return f.c.Clients.Create(ctx, client.ClientInput{
		LegalName: "Trigger Client " + f.tag, TaxID: "XAXX010101000", Email: "billing@example.com",
		Address: client.Address{Zip: "06600"},
	})
}

func (f *fixture) product(ctx context.Context) (*client.Product, error) {
	return f.c.Products.Create(ctx, client.ProductInput{
		Description: "Consulting hour", Price: "1160.00",
		Taxes: []client.TaxInput{{Type: "IVA", Rate: "0.16"}},
	})
}

func (f *fixture) draft(ctx context.Context) (*client.Invoice, error) {
	cl, err := f.client(ctx)
	if err != nil {
		return nil, err
	}
	return f.c.Invoices.Create(ctx, client.InvoiceInput{
		Client: cl.ID, PaymentForm: "03",
		Items: []client.ItemInput{{Product: client.InlineProduct(client.ProductInput{
			Description: "Consulting hour", Price: "1160.00", Taxes: []client.TaxInput{{Type: "IVA", Rate: "0.16"}},
		}), Quantity: "2"}},
	})
}

func (f *fixture) issued(ctx context.Context) (*client.Invoice, error) {
	inv, err := f.draft(ctx)
	if err != nil {
		return nil, err
	}
	return f.c.Invoices.Issue(ctx, inv.ID)
}

func (f *fixture) receipt(ctx context.Context) (*client.Receipt, error) {
	return f.c.Receipts.Create(ctx, client.ReceiptInput{PaymentForm: "01",
		Items: []client.ItemInput{{Product: client.InlineProduct(client.ProductInput{
			Description: "Coffee", Price: "58.00", Taxes: []client.TaxInput{{Type: "IVA", Rate: "0.16"}},
		})}},
	})
}

func (f *fixture) retention(ctx context.Context) (*client.Retention, error) {
	cl, err := f.client(ctx)
	if err != nil {
		return nil, err
	}
	y := time.Now().UTC().Year()
	return f.c.Retentions.Create(ctx, client.RetentionInput{Client: cl.ID,
		Period: client.RetentionPeriod{FromMonth: 1, ToMonth: 1, Year: y},
		Concepts: []client.RetentionConcept{{Description: "Professional fees", Amount: "10000.00",
			Taxes: []client.TaxInput{{Type: "ISR", Rate: "0.10", Withholding: true}}}},
	})
}

func (f *fixture) endpoint(ctx context.Context) (*client.WebhookEndpoint, error) {
	return f.c.WebhookEndpoints.Create(ctx, client.WebhookEndpointInput{
		URL: "https://example.com/facturo-trigger", EnabledEvents: []string{"*"}, Description: "facturo trigger " + f.tag,
	})
}

// after makes a scenario that creates an object, then acts on it (act nil:
// the creation is the event).
func after[T any](create func(context.Context) (*T, error), idOf func(*T) string, act func(ctx context.Context, id string, v *T) error) scenario {
	return func(ctx context.Context, _ *fixture) (string, error) {
		v, err := create(ctx)
		if err != nil {
			return "", err
		}
		if act != nil {
			err = act(ctx, idOf(v), v)
		}
		return idOf(v), err
	}
}

func invoiceID(i *client.Invoice) string          { return i.ID }
func customerID(c *client.Customer) string        { return c.ID }
func productID(p *client.Product) string          { return p.ID }
func receiptID(r *client.Receipt) string          { return r.ID }
func retentionID(r *client.Retention) string      { return r.ID }
func endpointID(e *client.WebhookEndpoint) string { return e.ID }
func seriesID(s *client.Series) string            { return s.ID }

// scenarios lists the event types trigger can produce.
func scenarios(f *fixture) map[string]scenario {
	out := map[string]scenario{}
	for _, group := range []map[string]scenario{f.catalogueScenarios(), f.invoiceScenarios(), f.documentScenarios(), f.endpointScenarios()} {
		for typ, s := range group {
			out[typ] = s
		}
	}
	return out
}

func (f *fixture) catalogueScenarios() map[string]scenario {
	c := f.c
	series := func(prefix string) func(context.Context) (*client.Series, error) {
		return func(ctx context.Context) (*client.Series, error) {
			return c.Series.Create(ctx, client.SeriesInput{Code: prefix + strings.ToUpper(f.tag[len(f.tag)-6:])})
		}
	}
	return map[string]scenario{
		"client.created": after(f.client, customerID, nil),
		"client.updated": after(f.client, customerID, func(ctx context.Context, id string, _ *client.Customer) error {
			email := "accounts@example.com"
			_, err := c.Clients.Update(ctx, id, client.ClientPatch{Email: &email})
			return err
		}),
		"client.deleted": after(f.client, customerID, func(ctx context.Context, id string, _ *client.Customer) error {
			_, err := c.Clients.Delete(ctx, id)
			return err
		}),
		"product.created": after(f.product, productID, nil),
		"product.updated": after(f.product, productID, func(ctx context.Context, id string, _ *client.Product) error {
			price := "1276.00"
			_, err := c.Products.Update(ctx, id, client.ProductPatch{Price: &price})
			return err
		}),
		"product.deleted": after(f.product, productID, func(ctx context.Context, id string, _ *client.Product) error {
			_, err := c.Products.Delete(ctx, id)
			return err
		}),
		"series.created": after(series("T"), seriesID, nil),
		"series.updated": after(series("U"), seriesID, func(ctx context.Context, id string, _ *client.Series) error {
			prefix := "TRG-"
			_, err := c.Series.Update(ctx, id, client.SeriesPatch{Prefix: &prefix})
			return err
		}),
	}
}

func (f *fixture) invoiceScenarios() map[string]scenario {
	c := f.c
	on := func(act func(ctx context.Context, i *client.Invoice) (*client.Invoice, error)) func(context.Context, string, *client.Invoice) error {
		return func(ctx context.Context, _ string, i *client.Invoice) error {
			_, err := act(ctx, i)
			return err
		}
	}
	return map[string]scenario{
		"invoice.created": after(f.draft, invoiceID, nil),
		"invoice.updated": after(f.draft, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			notes := "Updated by facturo trigger"
			return c.Invoices.Update(ctx, i.ID, client.InvoicePatch{Notes: &notes})
		})),
		"invoice.deleted": after(f.draft, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Delete(ctx, i.ID)
		})),
		"invoice.issued": after(f.issued, invoiceID, nil),
		"invoice.payment_recorded": after(f.issued, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Pay(ctx, i.ID, client.PaymentInput{Amount: "100.00"})
		})),
		"invoice.paid": after(f.issued, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Pay(ctx, i.ID, client.PaymentInput{Amount: i.Total})
		})),
		"invoice.voided": after(f.issued, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Void(ctx, i.ID, client.CancelInput{Reason: "02"})
		})),
		"invoice.corrected": after(f.issued, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Corrective(ctx, i.ID, client.CorrectionInput{Reason: "01"})
		})),
		"invoice.send_skipped": after(f.issued, invoiceID, on(func(ctx context.Context, i *client.Invoice) (*client.Invoice, error) {
			return c.Invoices.Send(ctx, i.ID, client.SendInput{})
		})),
	}
}

func (f *fixture) documentScenarios() map[string]scenario {
	c := f.c
	issuedRetention := func(ctx context.Context) (*client.Retention, error) {
		r, err := f.retention(ctx)
		if err != nil {
			return nil, err
		}
		return c.Retentions.Issue(ctx, r.ID)
	}
	return map[string]scenario{
		"receipt.created": after(f.receipt, receiptID, nil),
		"receipt.canceled": after(f.receipt, receiptID, func(ctx context.Context, id string, _ *client.Receipt) error {
			_, err := c.Receipts.Cancel(ctx, id)
			return err
		}),
		"receipt.invoiced": after(f.receipt, receiptID, func(ctx context.Context, id string, _ *client.Receipt) error {
			cl, err := f.client(ctx)
			if err == nil {
				_, err = c.Receipts.Invoice(ctx, id, cl.ID)
			}
			return err
		}),
		"retention.created": after(f.retention, retentionID, nil),
		"retention.issued":  after(issuedRetention, retentionID, nil),
		"retention.canceled": after(issuedRetention, retentionID, func(ctx context.Context, id string, _ *client.Retention) error {
			_, err := c.Retentions.Cancel(ctx, id)
			return err
		}),
	}
}

func (f *fixture) endpointScenarios() map[string]scenario {
	c := f.c
	return map[string]scenario{
		"webhook_endpoint.created": after(f.endpoint, endpointID, nil),
		"webhook_endpoint.updated": after(f.endpoint, endpointID, func(ctx context.Context, id string, _ *client.WebhookEndpoint) error {
			d := "updated by facturo trigger"
			_, err := c.WebhookEndpoints.Update(ctx, id, client.WebhookEndpointPatch{Description: &d})
			return err
		}),
		"webhook_endpoint.secret_rotated": after(f.endpoint, endpointID, func(ctx context.Context, id string, _ *client.WebhookEndpoint) error {
			_, err := c.WebhookEndpoints.RotateSecret(ctx, id, nil)
			return err
		}),
		"webhook_endpoint.deleted": after(f.endpoint, endpointID, func(ctx context.Context, id string, _ *client.WebhookEndpoint) error {
			return c.WebhookEndpoints.Delete(ctx, id)
		}),
	}
}

// Triggerable lists the event types trigger can produce, sorted.
func Triggerable() []string {
	var out []string
	for t := range scenarios(&fixture{tag: "xxxxxxxx"}) {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Trigger makes the API at c write one event of type typ in test mode,
// creating the objects it needs, and returns the id of the object the
// event is about. c must hold a test-mode key: trigger never writes live
// data.
func Trigger(ctx context.Context, c *client.Client, key, typ string) (string, error) {
	if !strings.HasPrefix(key, "fact_test_") {
		return "", fmt.Errorf("trigger writes test data only: give a test-mode key (fact_test_...)")
	}
	tag := fmt.Sprintf("%x", time.Now().UnixNano())
	run, ok := scenarios(&fixture{c: c, tag: tag})[typ]
	if !ok {
		return "", fmt.Errorf("cannot trigger %q; these can be: %s", typ, strings.Join(Triggerable(), ", "))
	}
	return run(ctx, nil)
}
