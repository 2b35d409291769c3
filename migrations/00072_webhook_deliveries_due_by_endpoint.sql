-- +goose Up
-- Claims look for due deliveries endpoint by endpoint (so that one
-- endpoint's backlog is never read through to find another's, and only the
-- rows taken are locked): the oldest due pending deliveries of an endpoint.
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_attempt_at)
    WHERE status = 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_endpoint_due;
