package auth

import (
	"strings"
	"testing"

	"github.com/facturo/facturo"
)

const validSecret = "AbC12xyZ0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		kind     Kind
		livemode bool
	}{
		{"live", "fact_live_" + validSecret, KindLive, true},
		{"test", "fact_test_" + validSecret, KindTest, false},
		{"user", "fact_user_" + validSecret, KindUser, false},
		{"empty", "", 0, false},
		{"prefix only", "fact_live_", 0, false},
		{"one short", "fact_live_" + validSecret[1:], 0, false},
		{"one long", "fact_live_" + validSecret + "a", 0, false},
		{"unknown kind", "fact_prod_" + validSecret, 0, false},
		{"upper-case kind", "FACT_LIVE_" + validSecret, 0, false},
		{"dash", "fact_live_" + validSecret[:23] + "-", 0, false},
		{"underscore", "fact_live_" + validSecret[:23] + "_", 0, false},
		{"space", "fact_live_ " + validSecret[1:], 0, false},
		{"non-ASCII", "fact_live_" + validSecret[:22] + "é", 0, false},
		{"NUL", "fact_live_" + validSecret[:23] + "\x00", 0, false},
		{"bearer", "Bearer fact_live_" + validSecret, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Parse(tt.in)
			if tt.kind == 0 {
				if !facturo.IsCode(err, facturo.CodeInvalidAPIKey) {
					t.Fatalf("Parse(%q) err = %v, want %s", tt.in, err, facturo.CodeInvalidAPIKey)
				}
				if strings.Contains(err.Error(), validSecret[8:]) {
					t.Errorf("error %q echoes the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := tok.Kind(); got != tt.kind {
				t.Errorf("Kind = %v, want %v", got, tt.kind)
			}
			if got := tok.Livemode(); got != tt.livemode {
				t.Errorf("Livemode = %v, want %v", got, tt.livemode)
			}
			if got := tok.String(); got != tt.in {
				t.Errorf("String = %q, want %q", got, tt.in)
			}
			if got, want := tok.Prefix(), tt.in[:18]; got != want {
				t.Errorf("Prefix = %q, want %q", got, want)
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	s := "fact_live_" + validSecret
	if n := testing.AllocsPerRun(100, func() { _, _ = Parse(s) }); n != 0 {
		t.Errorf("Parse of a valid token allocates %v times", n)
	}
}

func TestGenerate(t *testing.T) {
	for _, k := range []Kind{KindLive, KindTest, KindUser} {
		tok, err := Generate(k)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind() != k || !strings.HasPrefix(tok.String(), k.String()) || len(tok.String()) != TokenLen {
			t.Errorf("Generate(%v) = %q", k, tok)
		}
		back, err := Parse(tok.String())
		if err != nil || back != tok {
			t.Errorf("Parse(Generate(%v)) = %v, %v", k, back, err)
		}
	}
	if _, err := Generate(0); err == nil {
		t.Error("Generate(0) succeeded")
	}
}

// TestGenerateUniform is a coarse check that rejection sampling leaves no
// bias: with modulo reduction the first 8 characters of the alphabet would
// come out 25% more often than the rest.
func TestGenerateUniform(t *testing.T) {
	counts := make(map[byte]int)
	const tokens = 4000
	for range tokens {
		tok, err := Generate(KindTest)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []byte(tok.String()[10:]) {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("saw %d distinct characters, want 62", len(counts))
	}
	want := float64(tokens*SecretLen) / 62 // ≈ 1548; sd ≈ 39
	for c, n := range counts {
		if d := float64(n) - want; d > 8*39 || d < -8*39 {
			t.Errorf("character %q drawn %d times, want about %.0f", c, n, want)
		}
	}
}

func TestDigestIsOfWholeToken(t *testing.T) {
	a, _ := Parse("fact_live_" + validSecret)
	b, _ := Parse("fact_live_" + validSecret[:23] + "X")
	if a.Prefix() != b.Prefix() {
		t.Fatal("test tokens should share a prefix")
	}
	if a.Digest() == b.Digest() {
		t.Error("tokens sharing a prefix have the same digest")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "fact_live_", "fact_live_" + validSecret, "fact_test_" + validSecret,
		"fact_user_" + validSecret, "fact_live_" + validSecret + "x",
		"fact_prod_" + validSecret, "fact_live_" + strings.Repeat("é", 12),
		"fact_live_" + validSecret[:23] + "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			if tok != (Token{}) {
				t.Fatalf("Parse(%q) failed but returned %v", s, tok)
			}
			return
		}
		if tok.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, tok)
		}
		if !strings.HasPrefix(s, tok.Prefix()) || !strings.HasPrefix(s, tok.Kind().String()) {
			t.Fatalf("Parse(%q): prefix %q, kind %v", s, tok.Prefix(), tok.Kind())
		}
		if again, err := Parse(tok.String()); err != nil || again != tok {
			t.Fatalf("Parse(%q) does not round-trip: %v, %v", s, again, err)
		}
	})
}

func TestDigestDoesNotAllocate(t *testing.T) {
	tok, _ := Parse("fact_live_" + validSecret)
	if n := testing.AllocsPerRun(100, func() { _ = tok.Digest() }); n != 0 {
		t.Errorf("Digest allocates %v times", n)
	}
}
