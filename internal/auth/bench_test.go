package auth

import (
	"context"
	"testing"
)

// The two benchmarks time the authentication of a valid key from its header
// string: with a cache hit, and with the bcrypt comparison a miss costs.
// Their ratio is why the Cache exists (make bench; see the package report).

func BenchmarkVerifyCached(b *testing.B) {
	tok := mustGenerate(b, KindLive)
	c := NewCache[string](0, 0)
	c.Put(c.Epoch(), tok, "key_1", "principal")
	header := tok.String()
	b.ReportAllocs()
	for b.Loop() {
		t, err := Parse(header)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := c.Get(t); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkVerifyCachedParallel(b *testing.B) {
	tok := mustGenerate(b, KindLive)
	c := NewCache[string](0, 0)
	c.Put(c.Epoch(), tok, "key_1", "principal")
	header := tok.String()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := Parse(header)
			if _, ok := c.Get(t); !ok {
				b.Error("miss")
				return
			}
		}
	})
}

func BenchmarkVerifyUncached(b *testing.B) {
	tok := mustGenerate(b, KindLive)
	hash, err := Hash(tok)
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(0)
	header := tok.String()
	ctx := context.Background()
	for b.Loop() {
		t, err := Parse(header)
		if err != nil {
			b.Fatal(err)
		}
		if ok, err := v.Compare(ctx, hash, t); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkParseMalformed(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Parse("fact_live_AbC12xyZ0123456789abcde!")
	}
}
