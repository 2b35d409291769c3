package auth

import (
	"sync"
	"testing"
	"time"
)

func mustGenerate(t testing.TB, k Kind) Token {
	t.Helper()
	tok, err := Generate(k)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestCacheGetPut(t *testing.T) {
	c := NewCache[string](0, 0)
	tok := mustGenerate(t, KindLive)
	if _, ok := c.Get(tok); ok {
		t.Fatal("hit on an empty cache")
	}
	if !c.Put(c.Epoch(), tok, "key_1", "principal") {
		t.Fatal("Put refused")
	}
	if got, ok := c.Get(tok); !ok || got != "principal" {
		t.Errorf("Get = %q, %v", got, ok)
	}
	// Another token with the same display prefix must miss: the cache is
	// keyed by the whole secret.
	s := []byte(tok.String())
	if s[len(s)-1] == 'a' {
		s[len(s)-1] = 'b'
	} else {
		s[len(s)-1] = 'a'
	}
	twin, err := Parse(string(s))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(twin); ok {
		t.Error("a token sharing only the prefix hit the cache")
	}
}

func TestCacheTTL(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCache[int](0, time.Minute)
	c.now = func() time.Time { return now }
	tok := mustGenerate(t, KindTest)
	c.Put(c.Epoch(), tok, "key_1", 1)
	now = now.Add(59 * time.Second)
	if _, ok := c.Get(tok); !ok {
		t.Error("miss before the TTL")
	}
	now = now.Add(time.Second)
	if _, ok := c.Get(tok); ok {
		t.Error("hit at the TTL")
	}
}

// TestCacheInvalidateKey: a key in its rotation grace period has two live
// secrets; invalidating the key drops both and nothing else.
func TestCacheInvalidateKey(t *testing.T) {
	c := NewCache[string](0, 0)
	oldSecret, newSecret, other := mustGenerate(t, KindLive), mustGenerate(t, KindLive), mustGenerate(t, KindLive)
	e := c.Epoch()
	c.Put(e, oldSecret, "key_rotating", "a")
	c.Put(e, newSecret, "key_rotating", "a")
	c.Put(e, other, "key_other", "b")

	c.InvalidateKey("key_rotating")
	for _, tok := range []Token{oldSecret, newSecret} {
		if _, ok := c.Get(tok); ok {
			t.Errorf("secret %s of the invalidated key still hits", tok.Prefix())
		}
	}
	if _, ok := c.Get(other); !ok {
		t.Error("another key was dropped")
	}

	c.InvalidateAll()
	if c.Len() != 0 {
		t.Errorf("Len after InvalidateAll = %d", c.Len())
	}
}

// TestCachePutAfterInvalidation: a key revoked while its bcrypt ran must not
// be cached from the row read before the revocation.
func TestCachePutAfterInvalidation(t *testing.T) {
	c := NewCache[string](0, 0)
	tok := mustGenerate(t, KindLive)
	epoch := c.Epoch() // read before loading the key row
	c.InvalidateKey("key_1")
	if c.Put(epoch, tok, "key_1", "stale") {
		t.Error("Put with an epoch older than an invalidation succeeded")
	}
	if _, ok := c.Get(tok); ok {
		t.Error("stale entry is cached")
	}
}

func TestCacheSizeBound(t *testing.T) {
	const size = 64
	c := NewCache[int](size, 0)
	var last Token
	for i := range 10 * size {
		last = mustGenerate(t, KindTest)
		c.Put(c.Epoch(), last, "key", i)
		if n := c.Len(); n > size {
			t.Fatalf("Len = %d after %d puts, want <= %d", n, i+1, size)
		}
	}
	if _, ok := c.Get(last); !ok {
		t.Error("the newest entry was evicted")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache[int](16, 0)
	toks := make([]Token, 32)
	for i := range toks {
		toks[i] = mustGenerate(t, KindLive)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				tok := toks[(g+i)%len(toks)]
				if v, ok := c.Get(tok); ok && v != (g+i)%len(toks) {
					t.Errorf("Get returned %d for token %d", v, (g+i)%len(toks))
				}
				c.Put(c.Epoch(), tok, "key", (g+i)%len(toks))
				if i%100 == 0 {
					c.InvalidateKey("key")
				}
			}
		})
	}
	wg.Wait()
}
