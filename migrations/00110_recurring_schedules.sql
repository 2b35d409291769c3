-- +goose Up
-- When each recurring invoice template's next scheduled period is due. The
-- events of the template's stream are the truth; this row is written in the
-- same transaction as each of them (like series_counters), so it is never
-- ahead of or behind the stream. A worker claims a due row with
-- FOR UPDATE SKIP LOCKED and, in that same transaction, appends the
-- generated invoice, appends recurring_invoice.generated and moves the row
-- to the next period: a crash before the commit releases the row with
-- nothing written, and two workers never take the same period.
-- due_at is NULL while the template is paused, completed or deleted.
CREATE TABLE recurring_schedules (
    template_id text        PRIMARY KEY,
    org_id      text        NOT NULL,
    livemode    boolean     NOT NULL,
    due_at      timestamptz,
    period      integer     NOT NULL CHECK (period >= 0)
);

CREATE INDEX recurring_schedules_due ON recurring_schedules (due_at) WHERE due_at IS NOT NULL;

-- +goose Down
DROP TABLE recurring_schedules;
