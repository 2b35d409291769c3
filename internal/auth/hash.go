package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

// HashCost is the bcrypt cost of stored key hashes: about a quarter second
// of CPU per comparison, which is why verified tokens are cached and why
// comparisons go through a Verifier.
const HashCost = 12

// Hash returns the bcrypt hash of t to store next to its Prefix.
func Hash(t Token) ([]byte, error) { return HashWithCost(t, HashCost) }

// HashWithCost hashes with another bcrypt cost. Production always uses
// HashCost; test suites lower it because bcrypt under the race detector is
// about twelve times slower.
func HashWithCost(t Token, cost int) ([]byte, error) {
	if t.s == "" {
		return nil, errors.New("keys: hash: zero token")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(t.s), cost)
	if err != nil {
		return nil, fmt.Errorf("keys: hash: %w", err)
	}
	return h, nil
}

// Verifier runs bcrypt comparisons with at most N at once. Each comparison
// burns one CPU for a long time; without a bound, a flood of wrong keys would
// put every core on bcrypt and starve all other requests. Callers beyond the
// bound queue, each with its own context, and give up as soon as it ends.
//
// Valid keys are not starved by the flood because they rarely get here: a
// token already verified is answered from the Cache, and a flooding client is
// stopped by the Throttle before it reaches the Verifier. Give the wait a
// deadline shorter than the request's (a second or two, answered 503) so that
// under overload callers are shed rather than piled up.
type Verifier struct {
	slots chan struct{}

	// compare is bcrypt.CompareHashAndPassword; tests replace it.
	compare func(hash, password []byte) error
}

// NewVerifier returns a Verifier allowing n concurrent comparisons; n <= 0
// means GOMAXPROCS, one comparison per usable CPU.
func NewVerifier(n int) *Verifier {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &Verifier{slots: make(chan struct{}, n), compare: bcrypt.CompareHashAndPassword}
}

// Compare reports whether hash is the bcrypt hash of t. It waits for a free
// slot first; if ctx ends before one frees up it returns ctx's error without
// comparing. A hash that is not a bcrypt hash is an error, not a mismatch.
func (v *Verifier) Compare(ctx context.Context, hash []byte, t Token) (bool, error) {
	if t.s == "" {
		return false, nil
	}
	if err := ctx.Err(); err != nil { // select picks at random when both are ready
		return false, fmt.Errorf("keys: compare: %w", err)
	}
	select {
	case v.slots <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("keys: compare: waiting for a slot: %w", ctx.Err())
	}
	defer func() { <-v.slots }()

	err := v.compare(hash, []byte(t.s))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("keys: compare: %w", err)
	}
}
