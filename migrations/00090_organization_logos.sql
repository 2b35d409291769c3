-- +goose Up
-- The bytes of organizations' logos, by SHA-256: organization.logo_updated
-- names the digest, and the command that appends it writes the row in the
-- same transaction. Rows are never updated or deleted (an older event may
-- still name them, for a PDF ?as_of a past moment), so the table is as
-- append-only as the events themselves.
CREATE TABLE organization_logos (
    org_id       text        NOT NULL,
    sha256       text        NOT NULL,
    content_type text        NOT NULL,
    data         bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, sha256)
);

-- +goose Down
DROP TABLE organization_logos;
