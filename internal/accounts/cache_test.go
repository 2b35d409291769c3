package accounts

import (
	"testing"
	"time"

	"github.com/facturo/facturo/events"
)

func TestOrganizationCacheRefusesAFoldOlderThanAnInvalidation(t *testing.T) {
	c := NewOrganizationCache(0, 0)
	epoch := c.Epoch()                                                               // a read starts loading the stream...
	c.Observe([]events.Event{{Type: events.OrganizationUpdated, StreamID: "org_1"}}) // ...a write commits
	if c.Put(epoch, &Organization{ID: "org_1", Name: "old", Version: 1}) {
		t.Fatal("Put stored a fold that may predate the invalidation")
	}
	if _, ok := c.Get("org_1"); ok {
		t.Fatal("the stale fold is served")
	}
	if !c.Put(c.Epoch(), &Organization{ID: "org_1", Name: "new", Version: 2}) {
		t.Fatal("Put after the invalidation refused")
	}
	if o, ok := c.Get("org_1"); !ok || o.Name != "new" {
		t.Fatalf("Get = %v, %v", o, ok)
	}
}

func TestOrganizationCacheObserve(t *testing.T) {
	c := NewOrganizationCache(0, 0)
	for _, id := range []string{"org_1", "org_2"} {
		c.Put(c.Epoch(), &Organization{ID: id, Version: 1})
	}
	c.Observe([]events.Event{
		{Type: events.KeyRevoked, StreamID: "key_1"},
		{Type: "invoice.created", StreamID: "inv_1"},
	})
	if c.Len() != 2 {
		t.Fatalf("events of other objects dropped entries: %d left", c.Len())
	}
	c.Observe([]events.Event{{Type: events.OrganizationLogoUpdated, StreamID: "org_2"}})
	if _, ok := c.Get("org_2"); ok {
		t.Error("org_2 survived its own event")
	}
	if _, ok := c.Get("org_1"); !ok {
		t.Error("org_1 dropped by another organization's event")
	}
	c.InvalidateAll()
	if c.Len() != 0 {
		t.Errorf("InvalidateAll left %d", c.Len())
	}
}

func TestOrganizationCacheBounds(t *testing.T) {
	c := NewOrganizationCache(4, time.Minute)
	now := time.Now()
	c.now = func() time.Time { return now }
	c.Put(c.Epoch(), &Organization{ID: "org_0", Version: 1})
	now = now.Add(time.Minute)
	if _, ok := c.Get("org_0"); ok {
		t.Error("an entry outlived its TTL")
	}
	for i := range 10 {
		c.Put(c.Epoch(), &Organization{ID: "org_" + string(rune('a'+i)), Version: 1})
	}
	if c.Len() > 4 {
		t.Errorf("%d entries in a cache of 4", c.Len())
	}
}
