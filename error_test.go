package facturo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A not-found answer repeats the id the caller sent, never more than a
// bounded prefix of it, and stays valid UTF-8 when it cuts.
func TestNotFoundEchoesABoundedID(t *testing.T) {
	long := strings.Repeat("é", 450_000) // 900 KB
	msg := NotFound("invoice", long).Message
	if len(msg) > 200 || !utf8.ValidString(msg) {
		t.Fatalf("message of %d bytes (valid UTF-8: %v)", len(msg), utf8.ValidString(msg))
	}
	if got := NotFound("invoice", "inv_1").Message; got != "No such invoice: 'inv_1'" {
		t.Fatalf("short id: %q", got)
	}
}
