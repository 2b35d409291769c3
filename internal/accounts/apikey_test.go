package accounts

import (
	"fmt"
	"testing"
	"time"

	"github.com/facturo/facturo"
)

// A key's IP allowlist, checked on every authentication, is bounded.
func TestAllowlistIsBounded(t *testing.T) {
	now := time.Now()
	allow := make([]string, MaxAllowlist+1)
	for i := range allow {
		allow[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	if _, err := keySettings("k", nil, allow, nil, now); facturo.ErrorCode(err) != facturo.CodeParameterInvalid {
		t.Fatalf("%d entries: %v, want parameter_invalid", len(allow), err)
	}
	if _, err := keySettings("k", nil, allow[:MaxAllowlist], nil, now); err != nil {
		t.Fatalf("%d entries: %v", MaxAllowlist, err)
	}
}
