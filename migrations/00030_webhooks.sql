-- +goose Up
-- Webhook endpoints: the read model of the webhook_endpoint streams (kept in
-- the appending transaction), plus operational health columns that are not
-- events: when the endpoint last succeeded and since when it keeps failing.
CREATE TABLE webhook_endpoints (
    id                   text        PRIMARY KEY,
    org_id               text        NOT NULL,
    livemode             boolean     NOT NULL,
    url                  text        NOT NULL,
    enabled_events       text[]      NOT NULL,
    status               text        NOT NULL CHECK (status IN ('enabled', 'disabled')),
    secret               text        NOT NULL,
    previous_secret      text,
    previous_expires_at  timestamptz,
    version              integer     NOT NULL,
    data                 jsonb       NOT NULL,
    created_at           timestamptz NOT NULL,
    last_success_at      timestamptz,
    failing_since        timestamptz
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (org_id, livemode, id);

-- One row per (event, endpoint): the unique key makes fan-out idempotent.
-- body is the exact payload every attempt sends and signs. A pending row is
-- due at next_attempt_at; a claim moves next_attempt_at to the end of its
-- lease and sets lease_token, so a dead worker's claim simply falls due again.
CREATE TABLE webhook_deliveries (
    id               text        PRIMARY KEY,
    org_id           text        NOT NULL,
    livemode         boolean     NOT NULL,
    endpoint_id      text        NOT NULL,
    event_id         text        NOT NULL,
    event_type       text        NOT NULL,
    body             bytea       NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped')),
    retries          boolean     NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    lease_token      text,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_error       text,
    event_created_at timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_event_endpoint_key UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- Every attempt, as the delivery log shows it.
CREATE TABLE webhook_attempts (
    id                  text        PRIMARY KEY,
    delivery_id         text        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at        timestamptz NOT NULL,
    status_code         integer,
    duration_ms         integer     NOT NULL,
    response_body       text        NOT NULL DEFAULT '',
    response_truncated  boolean     NOT NULL DEFAULT false,
    error               text        NOT NULL DEFAULT '',
    worker              text        NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
