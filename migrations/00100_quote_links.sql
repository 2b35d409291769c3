-- +goose Up
-- The public accept/reject links of quotes, by the SHA-256 of their token
-- (the token itself is in quote.sent, which only the organization reads):
-- the public route finds the quote's organization, mode and id here,
-- without a key. The command that appends quote.sent writes the row in the
-- same transaction; rows are never updated.
CREATE TABLE quote_links (
    token_sha256 bytea       PRIMARY KEY,
    org_id       text        NOT NULL,
    livemode     boolean     NOT NULL,
    quote_id     text        NOT NULL UNIQUE,
    expires_at   timestamptz NOT NULL
);

-- The expires_at of every sent quote, for the worker's expirer: it takes
-- the due rows one at a time (FOR UPDATE SKIP LOCKED, so any number of
-- workers share them), appends quote.expired if the quote is still sent,
-- and deletes the row in the same transaction.
CREATE TABLE quote_expiries (
    quote_id   text        PRIMARY KEY,
    org_id     text        NOT NULL,
    livemode   boolean     NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX quote_expiries_due ON quote_expiries (expires_at);

-- +goose Down
DROP TABLE quote_expiries;
DROP TABLE quote_links;
