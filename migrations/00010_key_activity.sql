-- +goose Up
-- Recent requests per API key, written in batches by the API processes and
-- trimmed to the most recent few hundred per key at every flush: a window
-- for the key's owner, not an access log.
CREATE TABLE key_activity (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id  text        NOT NULL,
    at      timestamptz NOT NULL,
    ip      text        NOT NULL DEFAULT '',
    method  text        NOT NULL,
    path    text        NOT NULL,
    status  integer     NOT NULL
);
CREATE INDEX key_activity_key ON key_activity (key_id, id DESC);

-- The audit log of an organization: key lifecycle (from the key events,
-- written inline so it can be rebuilt; event_id makes that idempotent) and
-- authentication failures (batched by the API processes; org_id is known
-- when the token's prefix matched a key). id is "aud_" + a ULID of the time
-- of the entry, so lists page by id like every other list. Entries older
-- than the retention are deleted by the API processes.
CREATE TABLE audit_log (
    id           text PRIMARY KEY,
    org_id       text        NOT NULL DEFAULT '',
    livemode     boolean,
    action       text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    ip           text        NOT NULL DEFAULT '',
    reason       text        NOT NULL DEFAULT '',
    key_id       text        NOT NULL DEFAULT '',
    key_prefix   text        NOT NULL DEFAULT '',
    actor        text        NOT NULL DEFAULT '',
    request_id   text        NOT NULL DEFAULT '',
    event_id     text        UNIQUE
);
CREATE INDEX audit_log_org ON audit_log (org_id, id DESC);
CREATE INDEX audit_log_occurred ON audit_log (occurred_at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE key_activity;
