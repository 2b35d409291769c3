package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/jackc/pgx/v5"
)

// Redelivery selects the deliveries of one endpoint whose events happened in
// [Since, Until), optionally only those in one status (failed, succeeded,
// skipped, pending; empty: any but pending).
type Redelivery struct {
	EndpointID   string
	Since, Until time.Time
	Status       string
	DryRun       bool
}

// RedeliveryResult lists what was (or, in a dry run, would be) queued again.
type RedeliveryResult struct {
	Tenant    facturo.Tenant
	Delivered []string // delivery ids
}

// Redeliver queues the selected deliveries again: the webhook delivery
// worker sends them as if new (same body, same webhook-id, so receivers can
// dedupe), attempts counted afresh. A disabled endpoint is refused, as the
// API's recover does. Deliveries in flight (pending) are left alone.
func Redeliver(ctx context.Context, db *postgres.DB, r Redelivery) (RedeliveryResult, error) {
	var res RedeliveryResult
	if r.Status == "pending" {
		return res, fmt.Errorf("pending deliveries are queued already")
	}
	if r.Until.IsZero() {
		r.Until = time.Now()
	}
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT org_id, livemode, status FROM webhook_endpoints WHERE id = $1`, r.EndpointID).
			Scan(&res.Tenant.OrgID, &res.Tenant.Livemode, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return facturo.NotFound("webhook endpoint", r.EndpointID)
		}
		if err != nil {
			return fmt.Errorf("endpoint %s: %w", r.EndpointID, err)
		}
		if status != "enabled" {
			return fmt.Errorf("endpoint %s is %s: enable it first", r.EndpointID, status)
		}
		lock := " FOR UPDATE SKIP LOCKED"
		if r.DryRun {
			lock = ""
		}
		rows, err := tx.Query(ctx, `SELECT id FROM webhook_deliveries
			WHERE endpoint_id = $1 AND org_id = $2 AND livemode = $3
			  AND event_created_at >= $4 AND event_created_at < $5
			  AND status <> 'pending' AND ($6 = '' OR status = $6)
			ORDER BY event_created_at, id`+lock,
			r.EndpointID, res.Tenant.OrgID, res.Tenant.Livemode, r.Since, r.Until, r.Status)
		if err != nil {
			return fmt.Errorf("select deliveries: %w", err)
		}
		if res.Delivered, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("select deliveries: %w", err)
		}
		if r.DryRun || len(res.Delivered) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = 0,
				next_attempt_at = now(), lease_token = NULL, updated_at = now()
			WHERE id = ANY($1) AND org_id = $2 AND livemode = $3`, res.Delivered, res.Tenant.OrgID, res.Tenant.Livemode)
		if err != nil {
			return fmt.Errorf("queue deliveries: %w", err)
		}
		return nil
	})
	return res, err
}
