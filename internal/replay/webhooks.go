package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
)

// Redelivery selects the deliveries of one endpoint whose events happened in
// [Since, Until), optionally only those in one status (failed, succeeded,
// skipped, pending; empty: any but pending).
type Redelivery = postgres.Redelivery

// RedeliveryResult lists what was (or, in a dry run, would be) queued again.
type RedeliveryResult struct {
	Tenant    facturo.Tenant
	Delivered []string // delivery ids
}

// Redeliver queues the selected deliveries again: the webhook delivery
// worker sends them as if new (same body, same webhook-id, so receivers can
// dedupe), attempts counted afresh: the requeue of the API's recover
// (postgres.WebhookStore.Redeliver). A disabled endpoint is refused, as the
// API's recover does. Deliveries in flight (pending) are left alone.
func Redeliver(ctx context.Context, store *postgres.EventStore, r Redelivery) (RedeliveryResult, error) {
	var res RedeliveryResult
	if r.Status == "pending" {
		return res, fmt.Errorf("pending deliveries are queued already")
	}
	if r.Until.IsZero() {
		r.Until = time.Now()
	}
	var err error
	res.Tenant, res.Delivered, err = postgres.NewWebhookStore(store).Redeliver(ctx, r)
	return res, err
}
