-- +goose Up
-- Every query looks for due deliveries endpoint by endpoint
-- (webhook_deliveries_endpoint_due, migration 00072), so that one
-- endpoint's backlog is never read through to find another's. No query
-- needs the global index on next_attempt_at, but with statistics the
-- planner chose it for a claim's per-endpoint lookups, filtering by
-- endpoint: each lookup then read the due deliveries of every endpoint
-- until it met one of its own. Every fan-out also paid for its entries.
DROP INDEX webhook_deliveries_due;

-- +goose Down
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
