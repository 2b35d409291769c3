-- +goose Up
-- Endpoints can ask for their deliveries one at a time in event order
-- (ordering 'fifo') and for a rate limit in deliveries per second, both
-- kept by the endpoint projection from the endpoint's events.
ALTER TABLE webhook_endpoints
    ADD COLUMN ordering   text    NOT NULL DEFAULT 'parallel' CHECK (ordering IN ('parallel', 'fifo')),
    ADD COLUMN rate_limit integer CHECK (rate_limit >= 1);
-- Claims look at these endpoints apart from the others.
UPDATE webhook_endpoints SET data = data || '{"ordering": "parallel", "rate_limit": null}';
CREATE INDEX webhook_endpoints_gated ON webhook_endpoints (id)
    WHERE status = 'enabled' AND (ordering = 'fifo' OR rate_limit IS NOT NULL);

-- The next free send slot of a rate-limited endpoint, shared by every
-- worker process: a claim locks the row, gives each delivery it takes a
-- slot 1/rate_limit seconds after the previous one, and moves next_slot
-- past them, in the claim's transaction. It is operational state, not an
-- event: a rebuild of webhook_endpoints leaves it alone.
CREATE TABLE webhook_endpoint_slots (
    endpoint_id text        PRIMARY KEY,
    next_slot   timestamptz NOT NULL DEFAULT '-infinity'
);

-- Each delivery knows the object its event is about and that object's
-- stream version (the facturo-resource and facturo-resource-version
-- headers), and its event's place in the relay order (tx_id, position):
-- the order in which a fifo endpoint receives its deliveries.
ALTER TABLE webhook_deliveries
    ADD COLUMN resource         text    NOT NULL DEFAULT '',
    ADD COLUMN resource_version integer NOT NULL DEFAULT 0,
    ADD COLUMN event_tx         bigint,
    ADD COLUMN event_position   bigint;
UPDATE webhook_deliveries d
SET resource = e.stream_id, resource_version = e.stream_version,
    event_tx = e.tx_id::text::bigint, event_position = e.position
FROM events e
WHERE e.id = d.event_id;
-- The head of a fifo endpoint's queue: its first pending delivery in
-- relay order.
CREATE INDEX webhook_deliveries_endpoint_order ON webhook_deliveries (endpoint_id, event_tx, event_position, id)
    WHERE status = 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_endpoint_order;
ALTER TABLE webhook_deliveries DROP COLUMN resource, DROP COLUMN resource_version,
    DROP COLUMN event_tx, DROP COLUMN event_position;
DROP TABLE webhook_endpoint_slots;
DROP INDEX webhook_endpoints_gated;
ALTER TABLE webhook_endpoints DROP COLUMN ordering, DROP COLUMN rate_limit;
