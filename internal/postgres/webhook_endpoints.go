package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks"
	"github.com/jackc/pgx/v5"
)

// WebhookEndpointsProjection keeps webhook_endpoints in step with the
// webhook_endpoint streams. WebhookStore applies it in the appending
// transaction (an endpoint is usable as soon as its creation is answered);
// it is also a projections.Projection, for rebuilds.
type WebhookEndpointsProjection struct{}

// Name implements projections.Projection.
func (WebhookEndpointsProjection) Name() string { return "webhook_endpoints" }

// Reset implements projections.Projection.
func (WebhookEndpointsProjection) Reset(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `TRUNCATE webhook_endpoints`)
	return err
}

// Apply implements projections.Projection. It folds the stream up to e, so
// applying an event twice gives the same row.
func (WebhookEndpointsProjection) Apply(ctx context.Context, tx pgx.Tx, e events.Event) error {
	if !strings.HasPrefix(e.StreamID, id.WebhookEndpt+"_") {
		return nil
	}
	history, err := LoadUpTo(ctx, tx, e)
	if err != nil {
		return err
	}
	ep, err := webhooks.FoldEndpoint(history)
	if err != nil {
		return err
	}
	if !ep.Exists() {
		_, err := tx.Exec(ctx, `WITH slot AS (DELETE FROM webhook_endpoint_slots WHERE endpoint_id = $1)
			DELETE FROM webhook_endpoints WHERE id = $1`, e.StreamID)
		return err
	}
	if ep.RateLimit > 0 {
		// The endpoint's send slots, shared by every worker (Claim).
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoint_slots (endpoint_id) VALUES ($1)
			ON CONFLICT (endpoint_id) DO NOTHING`, ep.ID); err != nil {
			return fmt.Errorf("endpoint slots: %w", err)
		}
	}
	view, err := json.Marshal(ep.View())
	if err != nil {
		return fmt.Errorf("encode webhook endpoint view: %w", err)
	}
	var prev, prevUntil, limit any
	if ep.PreviousSecret != "" {
		prev, prevUntil = ep.PreviousSecret, ep.PreviousExpiresAt
	}
	if ep.RateLimit > 0 {
		limit = ep.RateLimit
	}
	// Re-enabling starts the failure clock over.
	_, err = tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, org_id, livemode, url, enabled_events, status,
			secret, previous_secret, previous_expires_at, version, data, created_at, ordering, rate_limit)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, enabled_events = EXCLUDED.enabled_events,
			ordering = EXCLUDED.ordering, rate_limit = EXCLUDED.rate_limit,
			status = EXCLUDED.status, secret = EXCLUDED.secret, previous_secret = EXCLUDED.previous_secret,
			previous_expires_at = EXCLUDED.previous_expires_at, version = EXCLUDED.version, data = EXCLUDED.data,
			failing_since = CASE WHEN EXCLUDED.status = 'enabled' AND webhook_endpoints.status = 'disabled'
				THEN NULL ELSE webhook_endpoints.failing_since END
		WHERE webhook_endpoints.version < EXCLUDED.version`,
		ep.ID, ep.OrgID, ep.Livemode, ep.URL, ep.EnabledEvents, ep.Status, ep.Secret, prev, prevUntil,
		ep.Version, view, ep.CreatedAt, ep.Ordering, limit)
	return err
}

// WebhookStore keeps webhook endpoints, deliveries and attempts.
type WebhookStore struct {
	db    *DB
	store *EventStore
	proj  WebhookEndpointsProjection
	// Body is the webhook body of the last event of a history (its stream
	// up to it), as the fan-out stores it (events.Body, which
	// app.RenderEvent applies too); a backfill stores the same bytes. nil
	// renders the event's own public data (webhooks.Body).
	Body func(history []events.Event) ([]byte, error)

	gatedMu sync.Mutex
	gatedAt time.Time // when gated was read (hasGated)
	gated   bool      // some enabled endpoint is fifo or rate-limited
}

// NewWebhookStore returns a store appending through store.
func NewWebhookStore(store *EventStore) *WebhookStore {
	return &WebhookStore{db: store.DB(), store: store}
}

// EndpointDecide chooses the events of a command on one endpoint.
type EndpointDecide func(history []events.Event) ([]events.Draft, error)

// ExecuteEndpoint runs a command on an endpoint stream and updates the read
// model in the same transaction. When the endpoint ends up disabled or
// deleted, its pending deliveries fail, in that transaction too.
func (s *WebhookStore) ExecuteEndpoint(ctx context.Context, st events.Stream, meta events.Metadata, decide EndpointDecide) ([]events.Event, error) {
	var all []events.Event
	err := s.RunEndpoint(ctx, st, meta, nil, decide, func(a []events.Event) error { all = a; return nil })
	return all, err
}

// RunEndpoint is ExecuteEndpoint for a request that holds an
// Idempotency-Key (command.Endpoints): then is given the whole stream
// after the append, inside the transaction, and claim, when not nil, is
// marked committed with its answer in the same transaction.
func (s *WebhookStore) RunEndpoint(ctx context.Context, st events.Stream, meta events.Metadata, claim *command.Claim, decide func(history []events.Event) ([]events.Draft, error), then func(all []events.Event) error) error {
	_, err := s.store.RunClaimed(ctx, meta, claim, func(tx *Tx) error {
		all, err := s.executeIn(ctx, tx, st, decide)
		if err != nil {
			return err
		}
		return then(all)
	})
	return err
}

func (s *WebhookStore) executeIn(ctx context.Context, tx *Tx, st events.Stream, decide EndpointDecide) ([]events.Event, error) {
	history, added, err := tx.Decide(ctx, st, decide)
	if err != nil {
		return nil, err
	}
	for _, e := range added {
		if err := s.proj.Apply(ctx, tx.Tx, e); err != nil {
			return nil, fmt.Errorf("webhook endpoints projection on %s: %w", e.ID, err)
		}
		if e.Type == webhooks.EndpointDisabled || e.Type == webhooks.EndpointDeleted {
			if err := failPending(ctx, tx, st.ID, "endpoint "+strings.TrimPrefix(e.Type, "webhook_endpoint.")); err != nil {
				return nil, err
			}
		}
	}
	return append(history, added...), nil
}

func failPending(ctx context.Context, q Querier, endpointID, why string) error {
	_, err := q.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
			lease_token = NULL, leased_until = NULL, last_error = $2, updated_at = now()
		WHERE endpoint_id = $1 AND status = 'pending'`, endpointID, why)
	if err != nil {
		return fmt.Errorf("fail pending deliveries of %s: %w", endpointID, err)
	}
	return nil
}

// ListEndpoints returns one page of a tenant's endpoints, newest first.
func (s *WebhookStore) ListEndpoints(ctx context.Context, t facturo.Tenant, p Page) ([]webhooks.EndpointView, bool, error) {
	return listJSON[webhooks.EndpointView](ctx, s.db, p,
		`SELECT data FROM webhook_endpoints WHERE org_id = $1 AND livemode = $2`, t.OrgID, t.Livemode)
}

// endpointState is what delivery commands check of an endpoint.
func (s *WebhookStore) endpointStatus(ctx context.Context, q Querier, t facturo.Tenant, endpointID string) (string, error) {
	var status string
	err := q.QueryRow(ctx, `SELECT status FROM webhook_endpoints WHERE id = $1 AND org_id = $2 AND livemode = $3`,
		endpointID, t.OrgID, t.Livemode).Scan(&status)
	if err == pgx.ErrNoRows {
		return "", facturo.NotFound("webhook_endpoint", endpointID)
	}
	if err != nil {
		return "", fmt.Errorf("webhook endpoint %s: %w", endpointID, err)
	}
	return status, nil
}

// requireEnabled fails with invalid_state unless the endpoint is enabled.
func (s *WebhookStore) requireEnabled(ctx context.Context, q Querier, t facturo.Tenant, endpointID string) error {
	status, err := s.endpointStatus(ctx, q, t, endpointID)
	if err != nil {
		return err
	}
	if status != webhooks.StatusEnabled {
		return facturo.Errorf(facturo.CodeInvalidState,
			"Webhook endpoint %s is disabled; enable it (PATCH with disabled=false) first.", endpointID)
	}
	return nil
}
