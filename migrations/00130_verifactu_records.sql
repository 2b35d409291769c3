-- +goose Up
-- The VeriFactu billing records (registros de alta and de anulación) of
-- each organization and mode: test mode keeps its own chain. A record is
-- written in the transaction that appends the invoice event causing it,
-- chained to the previous record of its chain by previous_hash.
--
-- verifactu_chains is the head of each chain: the transaction that appends
-- a record locks its row FOR UPDATE, so writers of one chain, in any
-- number of API processes, queue on it (like series_counters). The unique
-- constraints make a gap or a fork impossible even for a writer that did
-- not go through the head: two records never share a place or a previous
-- record.
CREATE TABLE verifactu_chains (
    org_id        text    NOT NULL,
    livemode      boolean NOT NULL,
    last_sequence bigint  NOT NULL DEFAULT 0 CHECK (last_sequence >= 0),
    last_hash     text    NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, livemode)
);

CREATE TABLE verifactu_records (
    id             text        PRIMARY KEY,
    org_id         text        NOT NULL,
    livemode       boolean     NOT NULL,
    sequence       bigint      NOT NULL CHECK (sequence > 0),
    kind           text        NOT NULL CHECK (kind IN ('alta', 'anulacion')),
    invoice_id     text        NOT NULL,
    event_id       text        NOT NULL,
    -- The fields the huella is computed over, as the record states them.
    issuer_nif     text        NOT NULL,
    invoice_number text        NOT NULL,
    issue_date     timestamptz NOT NULL,
    invoice_type   text        NOT NULL DEFAULT '',
    tax_total      numeric     NOT NULL DEFAULT 0,
    total          numeric     NOT NULL DEFAULT 0,
    generated_at   timestamptz NOT NULL,
    previous_hash  text        NOT NULL,
    hash           text        NOT NULL,
    -- Submission to the tax agency: every record starts pending.
    status         text        NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'accepted', 'rejected')),
    status_detail  text        NOT NULL DEFAULT '',
    submitted_at   timestamptz,
    UNIQUE (org_id, livemode, sequence),
    UNIQUE (org_id, livemode, previous_hash)
);

-- The sandbox submitter's queue: the pending records of test mode.
CREATE INDEX verifactu_records_pending ON verifactu_records (livemode, sequence)
    WHERE status = 'pending';

-- +goose Down
DROP TABLE verifactu_records;
DROP TABLE verifactu_chains;
