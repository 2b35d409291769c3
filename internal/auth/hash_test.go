package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestHashAndCompare(t *testing.T) {
	tok, _ := Generate(KindLive)
	other, _ := Generate(KindLive)
	hash, err := Hash(tok)
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost(hash); cost != HashCost {
		t.Errorf("cost = %d, want %d", cost, HashCost)
	}
	// Compare at a low cost: cost 12 takes seconds under the race detector.
	hash, _ = bcrypt.GenerateFromPassword([]byte(tok.String()), bcrypt.MinCost)
	v := NewVerifier(0)
	ctx := context.Background()
	if ok, err := v.Compare(ctx, hash, tok); !ok || err != nil {
		t.Errorf("Compare(right token) = %v, %v", ok, err)
	}
	if ok, err := v.Compare(ctx, hash, other); ok || err != nil {
		t.Errorf("Compare(wrong token) = %v, %v", ok, err)
	}
	if ok, err := v.Compare(ctx, []byte("not a hash"), tok); ok || err == nil {
		t.Errorf("Compare(bad hash) = %v, %v; want an error", ok, err)
	}
	if _, err := Hash(Token{}); err == nil {
		t.Error("Hash(zero token) succeeded")
	}
}

// TestVerifierBound floods a Verifier of 3 slots with 40 callers and checks
// that no more than 3 comparisons ever run at once, and that all finish.
func TestVerifierBound(t *testing.T) {
	const slots, callers = 3, 40
	v := NewVerifier(slots)
	var running, peak atomic.Int32
	v.compare = func(_, _ []byte) error {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
		return nil
	}
	tok, _ := Generate(KindTest)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			if ok, err := v.Compare(context.Background(), nil, tok); !ok || err != nil {
				t.Errorf("Compare = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got != slots {
		t.Errorf("peak concurrent comparisons = %d, want %d", got, slots)
	}
}

// TestVerifierWaitEndsWithContext: with every slot taken, a caller gives up
// when its context ends instead of queueing behind the flood.
func TestVerifierWaitEndsWithContext(t *testing.T) {
	v := NewVerifier(1)
	release := make(chan struct{})
	entered := make(chan struct{})
	v.compare = func(_, _ []byte) error {
		entered <- struct{}{}
		<-release
		return bcrypt.ErrMismatchedHashAndPassword
	}
	tok, _ := Generate(KindTest)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if ok, err := v.Compare(context.Background(), nil, tok); ok || err != nil {
			t.Errorf("holder: Compare = %v, %v; want a mismatch", ok, err)
		}
	}()
	<-entered

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	ok, err := v.Compare(ctx, nil, tok)
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: Compare = %v, %v; want DeadlineExceeded", ok, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waiter gave up after %v", d)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	close(release)
	<-done
	// Even with a free slot, an ended context does not compare.
	if _, err := v.Compare(cancelled, nil, tok); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want Canceled", err)
	}
}
