-- +goose Up
-- The event store and outbox. Append-only: the application never updates or
-- deletes a row. tx_id lets the relay publish in commit order without ever
-- skipping a transaction that commits late (see internal/relay).
CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    id              text        NOT NULL UNIQUE,
    org_id          text        NOT NULL,
    livemode        boolean     NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    type            text        NOT NULL,
    schema_version  integer     NOT NULL DEFAULT 1,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
CREATE INDEX events_relay_order ON events (tx_id, position);
CREATE INDEX events_tenant ON events (org_id, livemode, id);
CREATE INDEX events_created ON events (created_at);

-- +goose StatementBegin
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Delivered at commit; the relay treats it as a wake-up only.
    PERFORM pg_notify('facturo_events', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();

-- Where the relay has got to, in relay order, and the JetStream sequence of
-- the last event it published.
CREATE TABLE relay_cursor (
    name        text PRIMARY KEY,
    tx_id       xid8        NOT NULL DEFAULT '0',
    position    bigint      NOT NULL DEFAULT 0,
    stream_seq  bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per projection: the last event applied (relay order) and the
-- JetStream sequence to resume from. Written in the same transaction as the
-- read-model change, so redelivery is harmless.
CREATE TABLE projection_checkpoints (
    name        text PRIMARY KEY,
    tx_id       xid8        NOT NULL DEFAULT '0',
    position    bigint      NOT NULL DEFAULT 0,
    stream_seq  bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key records, kept 24 hours. scope is the authenticated
-- principal (an organization and mode, a user, or the operator).
CREATE TABLE idempotency_keys (
    scope         text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    status        integer,
    body          bytea,
    committed     boolean     NOT NULL DEFAULT false,
    locked_until  timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE projection_checkpoints;
DROP TABLE relay_cursor;
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();
DROP TABLE events;
