package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/auth/authnats"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/testenv"
)

// TestThrottleSharedBetweenProcesses: the brute-force limit holds for the
// deployment, not per process. Ten malformed keys from one IP, half through
// each of two API processes, block that IP on both; another IP is
// unaffected.
func TestThrottleSharedBetweenProcesses(t *testing.T) {
	t.Parallel()
	db := newKeyTestDB(t)
	a, b := newKeyTestServer(t, db), newKeyTestServer(t, db)
	url := testenv.NATS(t).URL()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, s := range []*keyTestServer{a, b} {
		nc, err := natsjs.Connect(url, "throttle-gossip-test", t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { natsjs.Close(nc, 5*time.Second) })
		g := authnats.NewThrottleGossip(nc, s.Auth.Throttle, slog.New(slog.NewTextHandler(io.Discard, nil)))
		wg.Go(func() { _ = g.Run(ctx) })
	}
	// Both gossips subscribed: a probe IP failed on one is blocked on the
	// other.
	for i, pair := range [][2]*keyTestServer{{a, b}, {b, a}} {
		probe := []string{"192.0.2.201", "192.0.2.202"}[i]
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			pair[0].Auth.Throttle.Fail(probe, "", time.Now())
			if _, blocked := pair[1].Auth.Throttle.Check(probe, "", time.Now()); blocked {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the gossips never linked")
			}
		}
	}

	const attacker = "198.51.100.9"
	for i := range 10 {
		s := []*keyTestServer{a, b}[i%2]
		if got := s.do(ktReq{Method: "GET", Path: "/v1/account", IP: attacker, Key: "fact_live_short"}); got.errorCode() != "invalid_api_key" {
			t.Fatalf("attempt %d: %d %s", i+1, got.Status, got.Raw)
		}
	}
	// Wait without sending more (each would count as a failure too).
	for _, s := range []*keyTestServer{a, b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, blocked := s.Auth.Throttle.Check(attacker, "", time.Now()); blocked {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a process never counted its peer's failures")
			}
			time.Sleep(5 * time.Millisecond)
		}
		got := s.do(ktReq{Method: "GET", Path: "/v1/account", IP: attacker, Key: "fact_live_short"})
		if got.Status != 429 || got.errorCode() != "too_many_auth_failures" || got.Header.Get("Retry-After") == "" {
			t.Errorf("11th attempt: %d %s %v", got.Status, got.Raw, got.Header)
		}
	}
	tn := a.newTenant("owner@example.com")
	_, secret := a.newKey(tn, nil)
	b.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: secret})
}
