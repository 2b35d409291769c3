-- +goose Up
-- Messages of the EVENTS stream that a consumer (the webhook fan-out, a
-- projection runner) can never apply: undecodable, an upcast that fails, an
-- apply that keeps failing while the database works. The consumer records
-- the message here, then terminates or skips it and goes on; `worker events
-- poison` lists them. One row per consumer and stream message: recording it
-- again (a redelivery before the message was terminated) changes nothing.
CREATE TABLE poison_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer    text        NOT NULL,
    stream_seq  bigint      NOT NULL,
    subject     text        NOT NULL DEFAULT '',
    event_id    text        NOT NULL DEFAULT '',
    error       text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer, stream_seq, event_id)
);

-- +goose Down
DROP TABLE poison_events;
