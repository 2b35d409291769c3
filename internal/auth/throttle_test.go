package auth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestThrottleScenarios(t *testing.T) {
	th := NewThrottle(ThrottlePolicy{})
	const attacker, owner, stranger = "198.51.100.66", "203.0.113.7", "192.0.2.1"
	const target, ownKey = "fact_live_TargetAA", "fact_live_OwnKeyBB"

	th.Succeed(owner, target, t0)
	for i := range 10 {
		if _, blocked := th.Check(attacker, target, t0); blocked {
			t.Fatalf("attacker blocked after %d failures, want 10", i)
		}
		th.Fail(attacker, target, t0)
	}
	if wait, blocked := th.Check(attacker, ownKey, t0.Add(time.Minute)); !blocked || wait != 4*time.Minute {
		t.Errorf("attacker after 10 failures: %v, %v; want blocked for 4m whatever the key", wait, blocked)
	}
	if _, blocked := th.Check(owner, ownKey, t0); blocked {
		t.Error("another IP with another key is blocked")
	}

	// The same prefix attacked from many IPs: blocked for new IPs, open to
	// the IP that proved the secret.
	for i := range 10 {
		th.Fail(fmt.Sprintf("10.0.0.%d", i), target, t0)
	}
	if _, blocked := th.Check(stranger, target, t0); !blocked {
		t.Error("prefix with 20 failures is open to a new IP")
	}
	if _, blocked := th.Check(owner, target, t0); blocked {
		t.Error("prefix block shuts out the IP that proved the key")
	}
	if _, blocked := th.Check(stranger, target, t0.Add(5*time.Minute)); blocked {
		t.Error("block outlives the window")
	}

	// Malformed tokens count against the IP only.
	for range 10 {
		th.Fail(stranger, "", t0)
	}
	if _, blocked := th.Check(stranger, ownKey, t0); !blocked {
		t.Error("malformed tokens do not count against the IP")
	}
}

// TestThrottleModel checks the Throttle against a brute-force model that
// keeps every failure and success and counts within the window, over random
// runs of clients that, like the HTTP layer, only try when not blocked.
func TestThrottleModel(t *testing.T) {
	p := ThrottlePolicy{Window: time.Minute, PerIP: 3, PerPrefix: 5, Trust: 3 * time.Minute}
	ips := []string{"a", "b", "c", "d"}
	prefixes := []string{"", "p", "q"}
	var blocks, exempt int // the run must exercise both, or it proves nothing
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		th := NewThrottle(p)
		m := throttleModel{p: p, fails: map[string][]time.Time{}, trust: map[trustKey]time.Time{}}
		now := t0
		for step := range 300 {
			now = now.Add(time.Duration(rng.IntN(20_000)) * time.Millisecond)
			ip, prefix := ips[rng.IntN(len(ips))], prefixes[rng.IntN(len(prefixes))]
			wait, blocked := th.Check(ip, prefix, now)
			wantWait := m.check(ip, prefix, now)
			if wait != wantWait || blocked != (wantWait > 0) {
				t.Fatalf("seed %d step %d: Check(%s, %s) = %v, %v; model says %v",
					seed, step, ip, prefix, wait, blocked, wantWait)
			}
			if blocked {
				blocks++
				continue
			}
			if prefix != "" && m.blockedFor("prefix:"+prefix, p.PerPrefix, now) > 0 {
				exempt++
			}
			if rng.IntN(6) == 0 && prefix != "" {
				th.Succeed(ip, prefix, now)
				m.trust[trustKey{ip, prefix}] = now.Add(p.Trust)
			} else {
				th.Fail(ip, prefix, now)
				m.fails["ip:"+ip] = append(m.fails["ip:"+ip], now)
				if prefix != "" {
					m.fails["prefix:"+prefix] = append(m.fails["prefix:"+prefix], now)
				}
			}
		}
	}
	if blocks == 0 || exempt == 0 {
		t.Errorf("runs saw %d blocks and %d trusted exemptions; want both", blocks, exempt)
	}
}

type throttleModel struct {
	p     ThrottlePolicy
	fails map[string][]time.Time
	trust map[trustKey]time.Time
}

// blockedFor: while limit failures lie within the window, wait until the
// oldest of the last limit failures leaves it.
func (m throttleModel) blockedFor(key string, limit int, now time.Time) time.Duration {
	var in []time.Time
	for _, f := range m.fails[key] {
		if now.Sub(f) < m.p.Window {
			in = append(in, f)
		}
	}
	if len(in) < limit {
		return 0
	}
	return in[len(in)-limit].Add(m.p.Window).Sub(now)
}

func (m throttleModel) check(ip, prefix string, now time.Time) time.Duration {
	wait := m.blockedFor("ip:"+ip, m.p.PerIP, now)
	if prefix != "" && !now.Before(m.trust[trustKey{ip, prefix}]) {
		wait = max(wait, m.blockedFor("prefix:"+prefix, m.p.PerPrefix, now))
	}
	return wait
}

func TestThrottleMemoryBound(t *testing.T) {
	const maxEntries = 100
	th := NewThrottle(ThrottlePolicy{MaxEntries: maxEntries})
	now := t0
	for i := range 10 * maxEntries {
		now = now.Add(time.Second)
		ip, prefix := fmt.Sprintf("ip%d", i), fmt.Sprintf("prefix%d", i)
		th.Fail(ip, prefix, now)
		th.Succeed(ip, prefix, now)
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if len(th.ips) > maxEntries || len(th.prefixes) > maxEntries || len(th.trusted) > maxEntries {
		t.Errorf("tables hold %d, %d, %d entries; want <= %d",
			len(th.ips), len(th.prefixes), len(th.trusted), maxEntries)
	}
}

func TestThrottleSweepsExpired(t *testing.T) {
	th := NewThrottle(ThrottlePolicy{MaxEntries: 10, Window: time.Minute})
	for i := range 10 {
		th.Fail(fmt.Sprintf("old%d", i), "", t0)
	}
	later := t0.Add(2 * time.Minute)
	th.Fail("new", "", later)
	th.mu.Lock()
	defer th.mu.Unlock()
	if len(th.ips) != 1 || th.ips["new"] == nil {
		t.Errorf("after the window, the table holds %d entries; want only the new one", len(th.ips))
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
	}
	for _, tt := range tests {
		if got := ClientKey(netip.MustParseAddr(tt.in)); got != tt.want {
			t.Errorf("ClientKey(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := ClientKey(netip.Addr{}); got != "" {
		t.Errorf("ClientKey(invalid) = %q", got)
	}
}

// TestThrottleShare: two processes' throttles that share what they see
// count together, each observation once, and the IP that proved a secret on
// one process stays trusted on the other.
func TestThrottleShare(t *testing.T) {
	a, b := NewThrottle(ThrottlePolicy{PerIP: 4, PerPrefix: 6}), NewThrottle(ThrottlePolicy{PerIP: 4, PerPrefix: 6})
	var shared []Observation
	for _, pair := range [][2]*Throttle{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		from.Share = func(o Observation) { shared = append(shared, o); to.Observe(o, t0) }
	}
	const attacker, owner, key = "198.51.100.66", "203.0.113.7", "fact_live_TargetAA"
	a.Succeed(owner, key, t0)
	a.Fail(attacker, key, t0)
	b.Fail(attacker, key, t0)
	a.Fail(attacker, "", t0)
	if _, blocked := b.Check(attacker, "", t0); blocked {
		t.Fatal("blocked after 3 failures, want 4")
	}
	b.Fail(attacker, "", t0)
	for _, th := range []*Throttle{a, b} {
		if _, blocked := th.Check(attacker, "", t0); !blocked {
			t.Error("4 failures across two processes do not block the IP on each")
		}
	}
	for i := range 4 {
		b.Fail(fmt.Sprintf("10.0.0.%d", i), key, t0)
	}
	if _, blocked := a.Check("192.0.2.1", key, t0); !blocked {
		t.Error("6 failures of the prefix across two processes do not block it")
	}
	if _, blocked := b.Check(owner, key, t0); blocked {
		t.Error("the owner, trusted on a, is blocked on b")
	}
	if len(shared) != 9 {
		t.Errorf("shared %d observations, want 9 (each once, never echoed)", len(shared))
	}
	a.Fail("", "", t0) // nothing to count: not shared
	if len(shared) != 9 {
		t.Error("an empty observation was shared")
	}
}

// A policy with a huge limit (a test's "never block") must not allocate
// that limit up front: one failure used to cost 8 GB per IP and prefix.
func TestThrottleLogGrowsOnDemand(t *testing.T) {
	th := NewThrottle(ThrottlePolicy{PerIP: 1 << 30, PerPrefix: 1 << 30})
	now := time.Now()
	for range 3 {
		th.Fail("192.0.2.1", "fact_test_abc", now)
	}
	for _, l := range []*failureLog{th.ips["192.0.2.1"], th.prefixes["fact_test_abc"]} {
		if l == nil || len(l.times) != 3 || cap(l.times) > 64 {
			t.Fatalf("log %+v: want 3 failures in a small slice", l)
		}
	}
	if _, blocked := th.Check("192.0.2.1", "fact_test_abc", now); blocked {
		t.Fatal("3 failures blocked a limit of 1<<30")
	}
}
