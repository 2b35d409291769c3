// Package pgnotify turns PostgreSQL notifications into wake-ups.
//
// A notification is a hint, never the work itself: NOTIFY reaches only the
// sessions listening when the notifying transaction commits, and nothing
// keeps it for a session that is reconnecting. Every user therefore polls as
// a fallback and treats a wake-up as "look now".
package pgnotify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen makes conn's session listen on channel. A session that listens
// must not go back to a pool: close it when done.
func Listen(ctx context.Context, conn *pgx.Conn, channel string) error {
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen %s: %w", channel, err)
	}
	return nil
}

// Wait waits up to d for a notification on conn, which must be listening,
// and reports whether one came. Running out of time is not an error; the
// end of ctx is.
func Wait(ctx context.Context, conn *pgx.Conn, d time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := conn.WaitForNotification(wctx)
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return false, nil
	}
	return false, fmt.Errorf("wait for notification: %w", err)
}

// idleCheck is how long Forward waits without a notification before it
// checks that its session is still alive: a connection that died without a
// word (a network partition) would otherwise leave its user on the poll
// until TCP gives up.
const idleCheck = time.Minute

// Forward opens a session of its own with config (outside any pool, so it
// takes no connection from the work; pg_stat_activity names it
// "facturo listen <channel>"), listens on channel and sends a wake-up on
// wake: one as soon as it listens, since what was notified before went
// unheard, then one per notification. Sends never block, so a channel with
// a buffer of one coalesces a burst into one wake-up.
//
// It returns nil when ctx ends and an error when the session is lost (a
// PostgreSQL restart); the caller polls meanwhile and calls it again.
func Forward(ctx context.Context, config *pgx.ConnConfig, channel string, wake chan<- struct{}) error {
	err := forward(ctx, config, channel, wake)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func forward(ctx context.Context, config *pgx.ConnConfig, channel string, wake chan<- struct{}) error {
	config = config.Copy()
	if config.RuntimeParams == nil {
		config.RuntimeParams = map[string]string{}
	}
	config.RuntimeParams["application_name"] = "facturo listen " + channel
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return fmt.Errorf("connect to listen on %s: %w", channel, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if err := Listen(ctx, conn, channel); err != nil {
		return err
	}
	for notified := true; ; {
		if notified {
			select {
			case wake <- struct{}{}:
			default:
			}
		} else if err := ping(ctx, conn); err != nil {
			return err
		}
		if notified, err = Wait(ctx, conn, idleCheck); err != nil {
			return err
		}
	}
}

func ping(ctx context.Context, conn *pgx.Conn) error {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		return fmt.Errorf("listening session: %w", err)
	}
	return nil
}
