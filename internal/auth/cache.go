package auth

import (
	"sync"
	"time"
)

// Cache defaults.
const (
	DefaultCacheTTL  = 5 * time.Minute
	DefaultCacheSize = 10_000
)

// Cache remembers tokens that passed bcrypt, so that a known key costs a
// SHA-256 and a map lookup instead of a quarter second of CPU. It is keyed by
// the token's Digest, never by its prefix, so only the exact secret that was
// verified can hit. V is whatever the HTTP layer needs per key (the
// principal: tenant, scopes, allowlist); keep it immutable once stored.
//
// An entry lives for the TTL from the moment it was verified, not from its
// last use: that bounds how long a revoked key can still work if the
// revocation event is late. Key lifecycle events call InvalidateKey to end it
// at once. When the cache is full it drops expired entries, then random ones.
type Cache[V any] struct {
	mu      sync.RWMutex
	entries map[Digest]cacheEntry[V]
	epoch   uint64
	ttl     time.Duration
	size    int
	now     func() time.Time // time.Now; tests replace it
}

type cacheEntry[V any] struct {
	keyID   string
	expires time.Time
	value   V
}

// NewCache returns a cache of at most size entries living ttl each; zero or
// negative values take the defaults.
func NewCache[V any](size int, ttl time.Duration) *Cache[V] {
	if size <= 0 {
		size = DefaultCacheSize
	}
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache[V]{entries: make(map[Digest]cacheEntry[V]), ttl: ttl, size: size, now: time.Now}
}

// Get returns the value stored for t, if t was verified within the TTL and
// its key has not been invalidated since.
func (c *Cache[V]) Get(t Token) (V, bool) {
	d := t.Digest()
	c.mu.RLock()
	e, ok := c.entries[d]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Epoch returns the invalidation counter. Read it before loading a key from
// the database and hand it to Put: if the key was invalidated in between
// (revoked while its bcrypt ran), Put must not bring the stale row back.
func (c *Cache[V]) Epoch() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// Put stores v for token t of key keyID, unless an invalidation happened
// since epoch was read. It reports whether v was stored. Invalidations are
// rare lifecycle events, so the occasional unneeded skip costs one more bcrypt.
func (c *Cache[V]) Put(epoch uint64, t Token, keyID string, v V) bool {
	d := t.Digest()
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return false
	}
	if _, ok := c.entries[d]; !ok && len(c.entries) >= c.size {
		c.evictLocked(now)
	}
	c.entries[d] = cacheEntry[V]{keyID: keyID, expires: now.Add(c.ttl), value: v}
	return true
}

// evictLocked makes room: expired entries first, then random ones (map order
// is random) down to 7/8 of the size, so that a full cache of fresh entries
// pays one sweep per size/8 insertions rather than one per insertion.
func (c *Cache[V]) evictLocked(now time.Time) {
	for d, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, d)
		}
	}
	for d := range c.entries {
		if len(c.entries) <= c.size-c.size/8-1 {
			break
		}
		delete(c.entries, d)
	}
}

// InvalidateKey drops every cached secret of one key: during a rotation grace
// period a key has two live secrets, and revoking or changing the key must
// end both. It scans the cache; lifecycle events are rare enough for that.
func (c *Cache[V]) InvalidateKey(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for d, e := range c.entries {
		if e.keyID == keyID {
			delete(c.entries, d)
		}
	}
}

// InvalidateAll empties the cache, e.g. when the event stream was
// interrupted and individual invalidations may have been missed.
func (c *Cache[V]) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.entries)
}

// Len returns the number of entries, expired ones included.
func (c *Cache[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
