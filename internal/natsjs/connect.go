package natsjs

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
)

// Reconnection policy: a short first wait so that a restarted server is
// rejoined quickly, doubling to a ceiling so that a long outage does not
// hammer it, with jitter so that many workers do not come back in step.
const (
	reconnectMin = 100 * time.Millisecond
	reconnectMax = 5 * time.Second
	// reconnectBuf holds publishes made while disconnected (core NATS
	// only; JetStream publishes wait for their PubAck and fail instead).
	reconnectBuf = 8 << 20
)

// Connect dials url and keeps the connection for the life of the process:
// it reconnects forever with backoff and logs every disconnect, reconnect,
// asynchronous error and close through logf (nil: silent). name shows in the
// server's connection list (e.g. "facturo-worker relay").
//
// The first dial is not retried: a wrong URL fails here, loudly.
func Connect(url, name string, logf func(string, ...any)) (*nats.Conn, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(reconnectDelay),
		nats.ReconnectBufSize(reconnectBuf),
		nats.DisconnectErrHandler(func(c *nats.Conn, err error) {
			if c.IsClosed() {
				return // our own Close: not news
			}
			if err != nil {
				logf("nats %s: disconnected: %v", name, err)
			} else {
				logf("nats %s: disconnected", name)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			logf("nats %s: reconnected to %s", name, c.ConnectedUrlRedacted())
		}),
		// No ClosedHandler: reconnects never give up (MaxReconnects(-1)),
		// so a connection closes only when its owner closes it.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				logf("nats %s: error on subscription %q: %v", name, sub.Subject, err)
				return
			}
			logf("nats %s: error: %v", name, err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("natsjs: connect %s to %s: %w", name, url, err)
	}
	return nc, nil
}

// Close drains nc (flushing what was published, finishing what
// subscriptions hold) and waits, at most timeout, until it is closed and
// its closed handler has run, so that nothing the connection logs outlives
// the caller. After timeout it closes nc without finishing the drain.
func Close(nc *nats.Conn, timeout time.Duration) {
	done := make(chan struct{})
	prev := nc.ClosedHandler()
	nc.SetClosedHandler(func(c *nats.Conn) {
		if prev != nil {
			prev(c)
		}
		close(done)
	})
	if err := nc.Drain(); errors.Is(err, nats.ErrConnectionClosed) {
		return // closed before: its handler ran then
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		nc.Close()
		select { // the handler runs on the connection's callback goroutine
		case <-done:
		case <-time.After(time.Second):
		}
	}
}

// reconnectDelay is the wait before reconnect attempt n (1-based, counted
// over a full pass of the server list).
func reconnectDelay(attempts int) time.Duration {
	d := reconnectMin
	for i := 1; i < attempts && d < reconnectMax; i++ {
		d *= 2
	}
	d = min(d, reconnectMax)
	return d/2 + rand.N(d/2+1) // jitter in [d/2, d]
}
