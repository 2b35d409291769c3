package authnats

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/testenv"
)

// gossiping starts a throttle sharing through its own NATS connection, as
// one API process would.
func gossiping(t *testing.T, url string, p auth.ThrottlePolicy) (*auth.Throttle, *ThrottleGossip) {
	t.Helper()
	nc, err := natsjs.Connect(url, "gossip-test", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	th := auth.NewThrottle(p)
	g := NewThrottleGossip(nc, th, slog.New(slog.DiscardHandler))
	g.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := g.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); natsjs.Close(nc, 5*time.Second) })
	return th, g
}

// awaitLinked fails a probe IP on from until to blocks it too: from then on,
// to hears what from shares (both gossips subscribed and publishing).
func awaitLinked(t *testing.T, from, to *auth.Throttle, probe string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		from.Fail(probe, "", time.Now())
		if _, blocked := to.Check(probe, "", time.Now()); blocked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer never heard the failures of %s", probe)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitBlocked(t *testing.T, th *auth.Throttle, ip, prefix string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, blocked := th.Check(ip, prefix, time.Now()); blocked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s never blocked", ip, prefix)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestThrottleGossip: failures seen by two processes add up on both, and a
// success on one keeps its IP trusted on the other.
func TestThrottleGossip(t *testing.T) {
	url := testenv.NATS(t).URL()
	p := auth.ThrottlePolicy{PerIP: 4, PerPrefix: 100}
	a, _ := gossiping(t, url, p)
	b, _ := gossiping(t, url, p)
	awaitLinked(t, a, b, "192.0.2.101")
	awaitLinked(t, b, a, "192.0.2.102")

	const attacker = "198.51.100.66"
	a.Fail(attacker, "", time.Now())
	a.Fail(attacker, "", time.Now())
	b.Fail(attacker, "", time.Now())
	b.Fail(attacker, "", time.Now())
	waitBlocked(t, a, attacker, "")
	waitBlocked(t, b, attacker, "")

	// The prefix attacked through b is blocked on a too; its owner, who
	// proves the secret through a, becomes trusted on b.
	const owner, key = "203.0.113.7", "fact_live_TargetAA"
	for i := range 100 {
		b.Fail(fmt.Sprintf("10.0.0.%d", i%10), key, time.Now())
	}
	waitBlocked(t, a, "192.0.2.1", key)
	if _, blocked := b.Check(owner, key, time.Now()); !blocked {
		t.Fatal("the attacked prefix is open to the owner before any success")
	}
	a.Succeed(owner, key, time.Now())
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, blocked := b.Check(owner, key, time.Now()); !blocked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the owner, trusted through a, stays blocked on b")
		}
	}
	if _, blocked := b.Check("192.0.2.1", key, time.Now()); !blocked {
		t.Error("trusting the owner opened the prefix to others")
	}
}

// TestThrottleGossipReceive: a process ignores its own messages, oversized
// fields and garbage.
func TestThrottleGossipReceive(t *testing.T) {
	th := auth.NewThrottle(auth.ThrottlePolicy{PerIP: 1})
	g := &ThrottleGossip{Throttle: th, Log: slog.New(slog.DiscardHandler), origin: "proc_me"}
	send := func(origin string, o auth.Observation) {
		body, _ := json.Marshal(gossipMsg{Origin: origin, Observations: []auth.Observation{o}})
		g.receive(&nats.Msg{Data: body})
	}
	send("proc_me", auth.Observation{IP: "192.0.2.1"})
	send("proc_peer", auth.Observation{IP: strings.Repeat("1", 65)})
	send("proc_peer", auth.Observation{Prefix: strings.Repeat("p", 33)})
	g.receive(&nats.Msg{Data: []byte("not json")})
	for _, c := range [][2]string{{"192.0.2.1", ""}, {strings.Repeat("1", 65), ""}, {"", strings.Repeat("p", 33)}} {
		if _, blocked := th.Check(c[0], c[1], time.Now()); blocked {
			t.Errorf("counted %.20q %.20q", c[0], c[1])
		}
	}
	send("proc_peer", auth.Observation{IP: "192.0.2.1"})
	if _, blocked := th.Check("192.0.2.1", "", time.Now()); !blocked {
		t.Error("a peer's failure was not counted")
	}
}
