package webhooks

import (
	"crypto/rand"
	"encoding/hex"
)

// randomToken returns 16 random bytes in hex: lease tokens and worker names.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// NewLeaseToken returns a fresh lease token for a claim.
func NewLeaseToken() string { return randomToken() }
