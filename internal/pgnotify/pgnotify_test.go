package pgnotify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/pgnotify"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/jackc/pgx/v5"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestWait(t *testing.T) {
	t.Parallel()
	dsn := testenv.Postgres(t)
	ctx := context.Background()
	listener, sender := connect(t, dsn), connect(t, dsn)
	if err := pgnotify.Listen(ctx, listener, "some channel"); err != nil {
		t.Fatal(err)
	}
	if got, err := pgnotify.Wait(ctx, listener, 50*time.Millisecond); got || err != nil {
		t.Fatalf("Wait with nothing sent = %v, %v; want false, nil", got, err)
	}
	if _, err := sender.Exec(ctx, `SELECT pg_notify('some channel', '')`); err != nil {
		t.Fatal(err)
	}
	if got, err := pgnotify.Wait(ctx, listener, 10*time.Second); !got || err != nil {
		t.Fatalf("Wait after NOTIFY = %v, %v; want true, nil", got, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := pgnotify.Wait(cctx, listener, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after ctx ended: %v, want context.Canceled", err)
	}
}

// wakeWithin fails unless a wake-up arrives within d.
func wakeWithin(t *testing.T, wake <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-wake:
	case <-time.After(d):
		t.Fatalf("no wake-up %s within %v", what, d)
	}
}

func TestForward(t *testing.T) {
	t.Parallel()
	dsn := testenv.Postgres(t)
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	sender := connect(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{}, 1)
	returned := make(chan error, 1)
	go func() { returned <- pgnotify.Forward(ctx, config, "due", wake) }()

	wakeWithin(t, wake, 10*time.Second, "once listening")
	var pid int32
	err = sender.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'facturo listen due'`).Scan(&pid)
	if err != nil {
		t.Fatalf("the listening session by its name: %v", err)
	}
	// A burst coalesces into the buffer of one, and never blocks Forward.
	for range 5 {
		if _, err := sender.Exec(ctx, `SELECT pg_notify('due', '')`); err != nil {
			t.Fatal(err)
		}
	}
	wakeWithin(t, wake, 10*time.Second, "after NOTIFY")
	time.Sleep(200 * time.Millisecond) // the rest of the burst, if Forward heard it apart
	select {
	case <-wake:
	default:
	}
	if _, err := sender.Exec(ctx, `SELECT pg_notify('due', '')`); err != nil {
		t.Fatal(err)
	}
	wakeWithin(t, wake, 10*time.Second, "after a later NOTIFY")

	// A lost session is an error, for the caller to listen again.
	if _, err := sender.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-returned:
		if err == nil {
			t.Fatal("Forward returned nil after its session was terminated")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Forward did not return after its session was terminated")
	}

	// The end of ctx is not an error.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { returned <- pgnotify.Forward(ctx2, config, "due", wake) }()
	wakeWithin(t, wake, 10*time.Second, "once listening again")
	cancel2()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatalf("Forward after ctx ended: %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Forward did not return after ctx ended")
	}
}
