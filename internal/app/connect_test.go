package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/testenv"
)

// lateProxy returns an address that refuses connections until after d,
// then forwards them to target: a server that comes up later.
func lateProxy(t *testing.T, target string, d time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there until d has passed
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); wg.Wait() })
	wg.Go(func() {
		select {
		case <-time.After(d):
		case <-done:
			return
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("late listen: %v", err)
			return
		}
		go func() { <-done; ln.Close() }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go forward(c, target)
		}
	})
	return addr
}

func forward(c net.Conn, target string) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A process started before PostgreSQL and NATS are up (containers starting
// together) waits for them, logging each retry, instead of exiting.
func TestConnectWaitsForServicesThatComeUpLater(t *testing.T) {
	pg := testenv.Postgres(t)
	ns := testenv.NATS(t)
	for _, late := range []string{"postgres", "nats"} {
		dsn, _ := url.Parse(pg)
		natsURL, _ := url.Parse(ns.URL())
		if late == "postgres" {
			dsn.Host = lateProxy(t, dsn.Host, 1500*time.Millisecond)
		} else {
			natsURL.Host = lateProxy(t, natsURL.Host, 1500*time.Millisecond)
		}
		env := map[string]string{"DATABASE_URL": dsn.String(), "NATS_URL": natsURL.String()}
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		svc, err := Connect(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), t.Name())
		if err != nil {
			t.Fatalf("Connect with %s late: %v\n%s", late, err, logs.String())
		}
		if err := svc.Ready(ctx); err != nil {
			t.Errorf("not ready: %v", err)
		}
		svc.Close()
		if !strings.Contains(logs.String(), `msg="cannot connect yet; retrying" service=`+late) {
			t.Errorf("no retry of %s logged:\n%s", late, logs.String())
		}
	}

	// A context that ends stops the wait.
	cfg, _ := ConfigFromEnv(func(k string) string {
		return map[string]string{"NATS_URL": ns.URL(),
			"DATABASE_URL": "postgres://x:y@" + lateProxy(t, "127.0.0.1:1", time.Hour) + "/db"}[k]
	})
	short, cancelShort := context.WithTimeout(context.Background(), time.Second)
	defer cancelShort()
	if _, err := Connect(short, cfg, slog.New(slog.DiscardHandler), t.Name()); err == nil {
		t.Fatal("Connect to a server that never comes up succeeded")
	}
}

// The pool is sized explicitly: pgx's default (the number of CPUs, at
// least 4) left a 2-core machine with two or three connections for
// requests once the relay and projection runners held theirs.
func TestPoolIsSizedExplicitly(t *testing.T) {
	pg, nats := testenv.Postgres(t), testenv.NATS(t).URL()
	for _, c := range []struct {
		size string
		want int32
	}{{"", DefaultDBPoolSize}, {"7", 7}} {
		env := map[string]string{"DATABASE_URL": pg, "NATS_URL": nats, "FACTURO_DB_POOL_SIZE": c.size}
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		svc, err := Connect(context.Background(), cfg, slog.New(slog.DiscardHandler), t.Name())
		if err != nil {
			t.Fatal(err)
		}
		got := svc.DB.Pool.Config().MaxConns
		svc.Close()
		if got != c.want {
			t.Errorf("FACTURO_DB_POOL_SIZE=%q: pool of %d, want %d", c.size, got, c.want)
		}
	}
	for _, bad := range []string{"0", "-1", "twenty", "1001"} {
		if _, err := ConfigFromEnv(func(k string) string {
			return map[string]string{"FACTURO_DB_POOL_SIZE": bad}[k]
		}); err == nil || !strings.Contains(err.Error(), "FACTURO_DB_POOL_SIZE") {
			t.Errorf("FACTURO_DB_POOL_SIZE=%q: %v, want an error naming it", bad, err)
		}
	}
}
