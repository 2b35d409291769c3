-- +goose Up
-- Zero-downtime projection rebuilds (worker projections rebuild). A rebuild
-- fills copies of a projection's tables in the schema facturo_rebuild while
-- the live tables keep serving, then swaps them in. This row is the
-- rebuild's own checkpoint, so an interrupted rebuild resumes.
CREATE SCHEMA IF NOT EXISTS facturo_rebuild;
CREATE TABLE projection_rebuilds (
    name        text PRIMARY KEY,
    tx_id       xid8        NOT NULL DEFAULT '0',
    position    bigint      NOT NULL DEFAULT 0,
    applied     bigint      NOT NULL DEFAULT 0,
    started_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE projection_rebuilds;
DROP SCHEMA facturo_rebuild CASCADE;
