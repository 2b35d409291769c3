-- +goose Up
-- The relay's snapshot horizon leaves out the transactions that declared,
-- with postgres.NoEvents, that they append no events (projection batches):
-- under load they held it back for every event written meanwhile. This
-- trigger makes the declaration binding: such a transaction that tries to
-- append an event fails instead of being skipped by the relay.
-- +goose StatementBegin
CREATE FUNCTION events_refuse_no_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('facturo.no_events', true) = 'on' THEN
        RAISE EXCEPTION 'this transaction declared it appends no events (postgres.NoEvents)'
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_refuse_no_events BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_no_events();

-- +goose Down
DROP TRIGGER events_refuse_no_events ON events;
DROP FUNCTION events_refuse_no_events();
