-- +goose Up
-- Wakes the webhook deliverers as soon as a delivery falls due now: fan-out,
-- a ping, a resend, a recovery, a redelivery. NOTIFY is delivered at commit,
-- so no deliverer wakes before its claim can see the row, and identical
-- notifications of one transaction arrive once. Claims and completions
-- (leased, or due later) do not match the WHEN clause and notify nothing.
-- It is a hint only: deliverers still poll, for retries that fall due
-- later, expired leases and notifications lost while they reconnect.
-- +goose StatementBegin
CREATE FUNCTION webhook_deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('facturo_webhook_deliveries', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT OR UPDATE ON webhook_deliveries
    FOR EACH ROW
    WHEN (NEW.status = 'pending' AND NEW.lease_token IS NULL AND NEW.next_attempt_at <= now())
    EXECUTE FUNCTION webhook_deliveries_notify();

-- +goose Down
DROP TRIGGER webhook_deliveries_notify ON webhook_deliveries;
DROP FUNCTION webhook_deliveries_notify();
