package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle limits failed authentications, so that guessing keys, or merely
// making the server run bcrypt on wrong ones, stops early and cheaply.
//
// Policy:
//
//   - A failure is a request whose token is malformed, unknown, or does not
//     match its key's hash. Failures are counted per client IP and per key
//     prefix (the first 18 characters of the token, e.g. fact_live_AbC12xyZ).
//   - An IP with PerIP (10) failures within the last Window (5 minutes) is
//     blocked until the oldest of those failures is older than the Window.
//     The window slides: there is no boundary at which a burst of twice the
//     limit gets through.
//   - A prefix with PerPrefix (20) failures within the Window, from any IPs,
//     is blocked the same way. This stops a guessing run spread over many IPs.
//   - A successful authentication does not reset any counter (an attacker
//     holding one valid key could otherwise wash their IP clean), but it
//     makes its IP trusted for that prefix for Trust (1 hour): a blocked
//     prefix stays open to the IPs that proved its secret, so an attack on a
//     key's prefix does not lock its owner out.
//   - Blocks apply to unverified tokens only. A token answered from the cache
//     of verified keys is never throttled, and one IP's failures never affect
//     another IP using a valid key.
//   - Blocked requests are answered 429 too_many_auth_failures with
//     Retry-After, and do not count as failures: the block ends on time.
//   - Memory is bounded: each table holds at most MaxEntries entries. When
//     one is full, expired entries are swept, then random ones dropped.
//
// IPv6 clients should be counted per /64, the block an end site usually
// gets; see ClientKey.
//
// With several API processes, each Throttle counts what its own process
// sees unless the processes share their observations: set Share, and feed
// what the peers observed to Observe (ThrottleGossip does both over
// NATS). Then every process counts every failure.
type Throttle struct {
	policy ThrottlePolicy

	// Share, when set before the Throttle is used, is called with every
	// failure and success recorded by Fail and Succeed (not by Observe),
	// outside the Throttle's lock. It must not block.
	Share func(Observation)

	mu       sync.Mutex
	ips      map[string]*failureLog
	prefixes map[string]*failureLog
	trusted  map[trustKey]time.Time // when the trust ends
}

// ThrottlePolicy sets the limits of a Throttle; zero fields take the defaults.
type ThrottlePolicy struct {
	Window     time.Duration // default 5 minutes
	PerIP      int           // failures per IP per window; default 10
	PerPrefix  int           // failures per key prefix per window; default 20
	Trust      time.Duration // how long a success keeps its IP trusted for its prefix; default 1 hour
	MaxEntries int           // per table; default 100,000
}

type trustKey struct{ ip, prefix string }

// NewThrottle returns a Throttle with policy p.
func NewThrottle(p ThrottlePolicy) *Throttle {
	if p.Window <= 0 {
		p.Window = 5 * time.Minute
	}
	if p.PerIP <= 0 {
		p.PerIP = 10
	}
	if p.PerPrefix <= 0 {
		p.PerPrefix = 20
	}
	if p.Trust <= 0 {
		p.Trust = time.Hour
	}
	if p.MaxEntries <= 0 {
		p.MaxEntries = 100_000
	}
	return &Throttle{
		policy:   p,
		ips:      make(map[string]*failureLog),
		prefixes: make(map[string]*failureLog),
		trusted:  make(map[trustKey]time.Time),
	}
}

// Check reports whether a request from ip with a token of this prefix must
// be refused before any bcrypt work, and for how long. Call it after the
// cache missed. An empty ip or prefix is not checked.
func (t *Throttle) Check(ip, prefix string, now time.Time) (retryAfter time.Duration, blocked bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := t.ips[ip]; ip != "" && l != nil {
		retryAfter = max(retryAfter, l.blockedFor(t.policy.Window, now))
	}
	if l := t.prefixes[prefix]; prefix != "" && l != nil {
		if wait := l.blockedFor(t.policy.Window, now); wait > 0 && !t.trustedLocked(ip, prefix, now) {
			retryAfter = max(retryAfter, wait)
		}
	}
	return retryAfter, retryAfter > 0
}

// Observation is one authentication outcome the Throttle counts: a failure
// (Success false) or a success of ip with a token of prefix.
type Observation struct {
	IP      string `json:"ip,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Success bool   `json:"ok,omitempty"`
}

// Fail records a failed authentication. Pass an empty prefix when the token
// was malformed: there is no key to protect, only an IP to slow down.
func (t *Throttle) Fail(ip, prefix string, now time.Time) {
	t.record(Observation{IP: ip, Prefix: prefix}, now, true)
}

// Succeed records that ip proved a secret of prefix.
func (t *Throttle) Succeed(ip, prefix string, now time.Time) {
	t.record(Observation{IP: ip, Prefix: prefix, Success: true}, now, true)
}

// Observe records what another process observed, at now (the time it
// arrived: the processes' clocks need not agree), without sharing it again.
func (t *Throttle) Observe(o Observation, now time.Time) { t.record(o, now, false) }

func (t *Throttle) record(o Observation, now time.Time, share bool) {
	if o.Success && (o.IP == "" || o.Prefix == "") || o.IP == "" && o.Prefix == "" {
		return // nothing to count
	}
	t.mu.Lock()
	if o.Success {
		t.trustLocked(o.IP, o.Prefix, now)
	} else {
		if o.IP != "" {
			t.logLocked(t.ips, o.IP, t.policy.PerIP, now).add(now)
		}
		if o.Prefix != "" {
			t.logLocked(t.prefixes, o.Prefix, t.policy.PerPrefix, now).add(now)
		}
	}
	t.mu.Unlock()
	if share && t.Share != nil {
		t.Share(o)
	}
}

func (t *Throttle) trustLocked(ip, prefix string, now time.Time) {
	k := trustKey{ip, prefix}
	if _, ok := t.trusted[k]; !ok && len(t.trusted) >= t.policy.MaxEntries {
		sweep(t.trusted, t.policy.MaxEntries, func(end time.Time) bool { return !now.Before(end) })
	}
	t.trusted[k] = now.Add(t.policy.Trust)
}

func (t *Throttle) trustedLocked(ip, prefix string, now time.Time) bool {
	end, ok := t.trusted[trustKey{ip, prefix}]
	return ok && now.Before(end)
}

// logLocked returns the failure log of key in m, making room for it if new.
func (t *Throttle) logLocked(m map[string]*failureLog, key string, limit int, now time.Time) *failureLog {
	if l := m[key]; l != nil {
		return l
	}
	if len(m) >= t.policy.MaxEntries {
		sweep(m, t.policy.MaxEntries, func(l *failureLog) bool { return l.expired(t.policy.Window, now) })
	}
	l := &failureLog{limit: limit}
	m[key] = l
	return l
}

// sweep deletes the entries of m that are done, then random ones down to 7/8
// of size, so that a full table pays one sweep per size/8 insertions.
// Dropping a live counter forgives some failures; it takes an attacker size/8
// fresh IPs or prefixes to force that, and each of those is counted too.
func sweep[K comparable, V any](m map[K]V, size int, done func(V) bool) {
	for k, v := range m {
		if done(v) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) <= size-size/8-1 {
			break
		}
		delete(m, k)
	}
}

// failureLog holds the times (Unix nanoseconds) of the last limit failures
// of one IP or prefix, in a ring: an exact sliding window in limit words.
//
// The ring grows as failures come, up to limit: a log costs what it holds,
// whatever the policy's limit (a policy of 1<<30 once made one log cost
// 8 GB before its first failure was stored).
type failureLog struct {
	times []int64 // at most limit
	limit int
	next  int // when full, the index of the oldest time
	last  int64
}

func (l *failureLog) full() bool { return len(l.times) >= l.limit }

func (l *failureLog) add(now time.Time) {
	n := now.UnixNano()
	if !l.full() {
		l.times = append(l.times, n)
	} else {
		l.times[l.next] = n
		l.next = (l.next + 1) % len(l.times)
	}
	l.last = max(l.last, n)
}

// blockedFor returns how long until fewer than limit failures fall within
// the window ending now, or 0 if that is already the case.
func (l *failureLog) blockedFor(window time.Duration, now time.Time) time.Duration {
	if !l.full() {
		return 0
	}
	oldest := time.Unix(0, l.times[l.next])
	return max(0, oldest.Add(window).Sub(now))
}

func (l *failureLog) expired(window time.Duration, now time.Time) bool {
	return !now.Before(time.Unix(0, l.last).Add(window))
}

// ClientKey returns the string to count an address under: the address for
// IPv4, its /64 for IPv6, since one end site can use a whole /64. An invalid
// address gives "", which the Throttle does not count.
func ClientKey(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
