-- +goose Up
-- Appending no longer NOTIFYs: a NOTIFY in every appending transaction
-- serialized commits on PostgreSQL's notification lock. Writers wake the
-- relay with a core NATS message after commit instead (relay.Announce),
-- and the relay polls as a fallback.
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('facturo_events', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();
