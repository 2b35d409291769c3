package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/jackc/pgx/v5"
)

// ScheduleRecurring writes when the template's next scheduled period is
// due, in the transaction that appends the event that moved it: due nil
// for a template that has none (paused, completed, deleted).
func (tx *Tx) ScheduleRecurring(ctx context.Context, t facturo.Tenant, templateID string, due *time.Time, period int) error {
	_, err := tx.Exec(ctx, `INSERT INTO recurring_schedules (template_id, org_id, livemode, due_at, period)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (template_id) DO UPDATE SET due_at = EXCLUDED.due_at, period = EXCLUDED.period
		WHERE recurring_schedules.org_id = EXCLUDED.org_id AND recurring_schedules.livemode = EXCLUDED.livemode`,
		templateID, t.OrgID, t.Livemode, due, period)
	if err != nil {
		return fmt.Errorf("schedule recurring invoice %s: %w", templateID, err)
	}
	return nil
}

// LockRecurring locks the template's schedule row until tx ends (nothing
// when it has none), so that a request changing the template queues
// behind a worker generating its period instead of deadlocking with it.
func (tx *Tx) LockRecurring(ctx context.Context, t facturo.Tenant, templateID string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM recurring_schedules
		WHERE template_id = $1 AND org_id = $2 AND livemode = $3 FOR UPDATE`, templateID, t.OrgID, t.Livemode)
	if err != nil {
		return fmt.Errorf("lock recurring invoice %s: %w", templateID, err)
	}
	return nil
}

// ClaimDueRecurring locks the schedule row of one template, of any
// tenant, whose next period is due at now, the earliest first. Rows that
// other transactions hold are skipped (FOR UPDATE SKIP LOCKED), so workers
// claiming at once take different templates; the row stays locked until
// tx ends, and a rollback (a crash before the commit) releases it with
// nothing written, for the next claim to take again.
func (tx *Tx) ClaimDueRecurring(ctx context.Context, now time.Time) (command.DueRun, bool, error) {
	var d command.DueRun
	err := tx.QueryRow(ctx, `SELECT template_id, org_id, livemode, due_at, period FROM recurring_schedules
		WHERE due_at <= $1 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now).
		Scan(&d.Template, &d.Tenant.OrgID, &d.Tenant.Livemode, &d.Due, &d.Period)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("claim a due recurring invoice: %w", err)
	}
	return d, true, nil
}
