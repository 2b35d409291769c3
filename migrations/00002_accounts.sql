-- +goose Up
-- Inline projections: written in the same transaction as the events that
-- change them, because authentication must see a key the moment its creation
-- is acknowledged. They can be rebuilt from the events like any other.
CREATE TABLE users (
    id          text PRIMARY KEY,
    email       text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE organizations (
    id            text PRIMARY KEY,
    owner_id      text        NOT NULL REFERENCES users (id),
    name          text        NOT NULL,
    api_disabled  boolean     NOT NULL DEFAULT false,
    data          jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX organizations_owner ON organizations (owner_id, id DESC);

-- Both user secret keys (kind 'user': org_id '') and organization keys.
-- Only bcrypt hashes are stored; prefix is the clear, non-secret part used to
-- find candidates. During a rotation grace period the previous hash keeps
-- working until previous_expires_at.
CREATE TABLE api_keys (
    id                   text PRIMARY KEY,
    kind                 text        NOT NULL CHECK (kind IN ('user', 'org')),
    user_id              text        NOT NULL DEFAULT '',
    org_id               text        NOT NULL DEFAULT '',
    livemode             boolean     NOT NULL,
    name                 text        NOT NULL DEFAULT '',
    prefix               text        NOT NULL,
    hash                 bytea       NOT NULL,
    previous_prefix      text,
    previous_hash        bytea,
    previous_expires_at  timestamptz,
    scopes               text[]      NOT NULL DEFAULT '{}',
    ip_allowlist         text[]      NOT NULL DEFAULT '{}',
    enabled              boolean     NOT NULL DEFAULT true,
    expires_at           timestamptz,
    revoked_at           timestamptz,
    last_used_at         timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_previous_prefix ON api_keys (previous_prefix) WHERE previous_prefix IS NOT NULL;
CREATE INDEX api_keys_org ON api_keys (org_id, id DESC);

-- Read models of the invoicing resources, built asynchronously by the
-- documents projection: the current public JSON view of every aggregate,
-- with the few columns that list filters need.
CREATE TABLE documents (
    kind        text        NOT NULL,
    id          text        NOT NULL,
    org_id      text        NOT NULL,
    livemode    boolean     NOT NULL,
    status      text        NOT NULL DEFAULT '',
    client_id   text        NOT NULL DEFAULT '',
    series      text        NOT NULL DEFAULT '',
    version     integer     NOT NULL,
    data        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX documents_list ON documents (org_id, livemode, kind, id DESC);

-- +goose Down
DROP TABLE documents;
DROP TABLE api_keys;
DROP TABLE organizations;
DROP TABLE users;
