package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/facturo/facturo/migrations"
	"github.com/facturo/facturo/webhooks"
)

// Leases taken before migration 00160 (by moving next_attempt_at) keep
// their meaning after it: one still running blocks a resend, one that ran
// out (its worker died) does not. The migration moves only running leases
// into leased_until, so a delivery whose lease ran out keeps its
// lease_token with leased_until NULL; Resend's in-flight check must read
// that as not in flight (it scanned NULL into a bool and failed).
func TestResendAfterLeasesMovedInPlace(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqlDB := stdlib.OpenDBFromPool(db.Pool)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 150); err != nil { // the last migration before leases in place
		t.Fatal(err)
	}
	_, err = db.Pool.Exec(ctx, `
		INSERT INTO webhook_endpoints (id, org_id, livemode, url, enabled_events, status, secret, version, data, created_at)
		VALUES ('we_m', 'org_m', true, 'http://127.0.0.1:1/', '{*}', 'enabled', 's', 1, '{}', now());
		INSERT INTO webhook_deliveries (id, org_id, livemode, endpoint_id, event_id, event_type, body, status,
			retries, attempts, next_attempt_at, lease_token, event_created_at)
		VALUES ('wd_ran_out', 'org_m', true, 'we_m', 'evt_1', 'client.updated', '{}', 'pending',
		        true, 1, now() - interval '1 minute', 'old_token', now()),
		       ('wd_running', 'org_m', true, 'we_m', 'evt_2', 'client.updated', '{}', 'pending',
		        true, 1, now() + interval '1 hour', 'old_token', now())`)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	hooks := postgres.NewWebhookStore(postgres.NewEventStore(db, events.Upcast))
	tenant := facturo.Tenant{OrgID: "org_m", Livemode: true}
	v, err := hooks.Resend(ctx, tenant, "we_m", "wd_ran_out")
	if err != nil {
		t.Fatalf("resend of a delivery whose old lease ran out: %v", err)
	}
	if v.Status != webhooks.DeliveryPending || v.AttemptCount != 0 {
		t.Fatalf("resent delivery: status %s, %d attempts; want pending, 0", v.Status, v.AttemptCount)
	}
	_, err = hooks.Resend(ctx, tenant, "we_m", "wd_running")
	var fe *facturo.Error
	if !errors.As(err, &fe) || fe.Code != facturo.CodeInvalidState {
		t.Fatalf("resend of a delivery whose old lease still runs: %v, want %s", err, facturo.CodeInvalidState)
	}
}
