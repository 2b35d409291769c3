-- +goose Up
-- The gapless invoice-number counter of each series, per organization and
-- mode (test mode never consumes live numbers). Issuing an invoice locks its
-- row FOR UPDATE, takes next_number and increments it in the same
-- transaction that appends invoice.issued: concurrent issuers, in any number
-- of API processes, wait for each other, and a rolled-back issue gives its
-- number back. A row may exist without a series_id: issuing in a series that
-- was never created (the default "A") numbers from 1. series_id claims the
-- code for the series object, so a code is created once per tenant.
CREATE TABLE series_counters (
    org_id       text    NOT NULL,
    livemode     boolean NOT NULL,
    series       text    NOT NULL,
    series_id    text    UNIQUE,
    next_number  bigint  NOT NULL DEFAULT 1 CHECK (next_number > 0),
    last_issued  bigint  NOT NULL DEFAULT 0 CHECK (last_issued >= 0),
    PRIMARY KEY (org_id, livemode, series)
);

-- +goose Down
DROP TABLE series_counters;
