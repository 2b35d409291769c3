package command

import (
	"context"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/webhooks"
)

// Endpoints runs the commands of webhook endpoints: besides the events, the
// endpoints table that deliveries read is written in the appending
// transaction, and a disabled or deleted endpoint's pending deliveries
// fail there too. postgres.WebhookStore implements it.
type Endpoints interface {
	// RunEndpoint folds one endpoint stream, lets decide choose, appends at
	// the version read and gives then the whole stream after, in one
	// transaction that also marks claim (when not nil) committed with its
	// Response.
	RunEndpoint(ctx context.Context, st events.Stream, meta events.Metadata, claim *Claim, decide func(history []events.Event) ([]events.Draft, error), then func(all []events.Event) error) error
	// BackfillEndpoint is RunEndpoint for the creation of an endpoint that
	// also gets, in the same transaction, one delivery of each matching
	// event of its organization and mode that happened from since until
	// its creation (webhooks.MaxBackfill at most: more is refused and
	// nothing is created).
	BackfillEndpoint(ctx context.Context, st events.Stream, meta events.Metadata, claim *Claim, since time.Time, decide func(history []events.Event) ([]events.Draft, error), then func(all []events.Event) error) error
}

// EndpointKind describes webhook endpoints like the invoicing objects
// (they are not kept by the documents projection).
var EndpointKind = invoicing.Kind[*webhooks.Endpoint, webhooks.EndpointView]{
	Name: "webhook_endpoint", Plural: "webhook_endpoints", Prefix: id.WebhookEndpt, Fold: webhooks.FoldEndpoint,
}

// CreateEndpoint registers a webhook endpoint of t with a new signing
// secret; policy refuses internal URLs. With in.BackfillSince the endpoint
// also receives the matching past events (webhooks.CheckBackfillSince).
func CreateEndpoint(ctx context.Context, eps Endpoints, policy webhooks.AddressPolicy, t facturo.Tenant, m Meta, in webhooks.EndpointInput) (*webhooks.Endpoint, error) {
	if in.BackfillSince != nil {
		if err := webhooks.CheckBackfillSince(*in.BackfillSince, m.Now); err != nil {
			return nil, err
		}
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return nil, err
	}
	decide := func([]events.Event) ([]events.Draft, error) { return webhooks.NewEndpoint(in, secret, policy) }
	if in.BackfillSince == nil {
		return runEndpoint(ctx, eps, t, m, EndpointKind.New(), decide)
	}
	var ep *webhooks.Endpoint
	err = eps.BackfillEndpoint(ctx, stream(t, EndpointKind.New()), m.Metadata, m.Claim, *in.BackfillSince, decide,
		endpointResult(m, &ep))
	if err != nil {
		return nil, err
	}
	return ep, nil
}

// UpdateEndpoint applies a patch to an endpoint.
func UpdateEndpoint(ctx context.Context, eps Endpoints, policy webhooks.AddressPolicy, t facturo.Tenant, m Meta, endpointID string, p webhooks.EndpointPatch) (*webhooks.Endpoint, error) {
	return changeEndpoint(ctx, eps, t, m, endpointID, func(ep *webhooks.Endpoint) ([]events.Draft, error) {
		return ep.Update(p, policy)
	})
}

// DeleteEndpoint deletes an endpoint.
func DeleteEndpoint(ctx context.Context, eps Endpoints, t facturo.Tenant, m Meta, endpointID string) (*webhooks.Endpoint, error) {
	return changeEndpoint(ctx, eps, t, m, endpointID, (*webhooks.Endpoint).Delete)
}

// RotateEndpointSecret gives an endpoint a new signing secret; the old one
// keeps signing for grace (-1: not at all).
func RotateEndpointSecret(ctx context.Context, eps Endpoints, t facturo.Tenant, m Meta, endpointID string, grace time.Duration) (*webhooks.Endpoint, error) {
	secret, err := webhooks.NewSecret()
	if err != nil {
		return nil, err
	}
	return changeEndpoint(ctx, eps, t, m, endpointID, func(ep *webhooks.Endpoint) ([]events.Draft, error) {
		return ep.RotateSecret(secret, grace, m.Now)
	})
}

// changeEndpoint runs a decision on an existing endpoint of t.
func changeEndpoint(ctx context.Context, eps Endpoints, t facturo.Tenant, m Meta, endpointID string, decide func(*webhooks.Endpoint) ([]events.Draft, error)) (*webhooks.Endpoint, error) {
	return runEndpoint(ctx, eps, t, m, endpointID, func(history []events.Event) ([]events.Draft, error) {
		ep, err := EndpointKind.FoldExisting(endpointID, history)
		if err != nil {
			return nil, err
		}
		return decide(ep)
	})
}

// runEndpoint is run for the endpoint endpointID of t: the endpoint after
// the append is the result, handed to m's claim in the transaction.
func runEndpoint(ctx context.Context, eps Endpoints, t facturo.Tenant, m Meta, endpointID string, decide func(history []events.Event) ([]events.Draft, error)) (*webhooks.Endpoint, error) {
	var ep *webhooks.Endpoint
	if err := eps.RunEndpoint(ctx, stream(t, endpointID), m.Metadata, m.Claim, decide, endpointResult(m, &ep)); err != nil {
		return nil, err
	}
	return ep, nil
}

// endpointResult folds the endpoint after the append into *ep and hands
// it to m's claim, in the transaction.
func endpointResult(m Meta, ep **webhooks.Endpoint) func(all []events.Event) error {
	return func(all []events.Event) error {
		var err error
		if *ep, err = webhooks.FoldEndpoint(all); err != nil {
			return err
		}
		m.Claim.setResult(*ep)
		return nil
	}
}
