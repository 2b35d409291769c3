package accounts

import (
	"strings"
	"sync"
	"time"

	"github.com/facturo/facturo/events"
)

// Organization cache defaults.
const (
	DefaultOrganizationCacheTTL  = 5 * time.Minute
	DefaultOrganizationCacheSize = 10_000
)

// OrganizationCache keeps folded organizations in memory, so that a read
// that only describes the caller's organization (GET /v1/account) costs a
// map lookup instead of a stream load and a fold.
//
// It is kept honest by the organization's own events: the process that
// commits one calls Observe before it answers (the event store's commit
// hook), and every other process hears it from the relay
// (authnats.Listener). The TTL bounds how long an entry lives if an event
// never arrives (a listener that was down without noticing).
//
// A stored *Organization is shared: never change it.
type OrganizationCache struct {
	mu      sync.RWMutex
	entries map[string]orgEntry
	epoch   uint64
	ttl     time.Duration
	size    int
	now     func() time.Time
}

type orgEntry struct {
	org     *Organization
	expires time.Time
}

// NewOrganizationCache returns a cache of at most size organizations
// living ttl each; zero or negative values take the defaults.
func NewOrganizationCache(size int, ttl time.Duration) *OrganizationCache {
	if size <= 0 {
		size = DefaultOrganizationCacheSize
	}
	if ttl <= 0 {
		ttl = DefaultOrganizationCacheTTL
	}
	return &OrganizationCache{entries: make(map[string]orgEntry), ttl: ttl, size: size, now: time.Now}
}

// Get returns the organization stored for id within its TTL.
func (c *OrganizationCache) Get(id string) (*Organization, bool) {
	c.mu.RLock()
	e, ok := c.entries[id]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return e.org, true
}

// Epoch returns the invalidation counter. Read it before loading an
// organization's stream and hand it to Put: an event committed while the
// stream was being read invalidates in between, and Put then refuses the
// fold that may predate it.
func (c *OrganizationCache) Epoch() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// Put stores o unless an invalidation happened since epoch was read, and
// reports whether it did.
func (c *OrganizationCache) Put(epoch uint64, o *Organization) bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return false
	}
	if _, ok := c.entries[o.ID]; !ok && len(c.entries) >= c.size {
		for id, e := range c.entries { // expired first, then any (random map order)
			if !now.Before(e.expires) || len(c.entries) >= c.size {
				delete(c.entries, id)
			}
		}
	}
	c.entries[o.ID] = orgEntry{org: o, expires: now.Add(c.ttl)}
	return true
}

// Invalidate drops the organization id.
func (c *OrganizationCache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.entries, id)
}

// InvalidateAll empties the cache, e.g. when the event stream was
// interrupted and some invalidations may have been missed.
func (c *OrganizationCache) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.entries)
}

// Observe invalidates the organizations that events change: those of its
// organization.* events (an organization's stream holds only those). It is
// an event store commit hook, and what the relay listener applies.
func (c *OrganizationCache) Observe(batch []events.Event) {
	for _, e := range batch {
		if IsOrganizationEvent(e.Type) {
			c.Invalidate(e.StreamID)
		}
	}
}

// organizationObject names the organization's events ("organization.updated").
const organizationObject = "organization"

// IsOrganizationEvent reports whether eventType belongs to an
// organization's stream.
func IsOrganizationEvent(eventType string) bool {
	return strings.HasPrefix(eventType, organizationObject+".")
}

// Len returns the number of entries, expired ones included.
func (c *OrganizationCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
