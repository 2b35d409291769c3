package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"

	"github.com/facturo/facturo"
)

// Kind is the kind of secret a token is: an organization key in live or
// test mode, or a user's secret key. The kind is visible in the token itself
// so that a leaked key is recognisable (secret scanners match the prefix)
// and so that a test key can never be mistaken for a live one.
type Kind uint8

const (
	KindLive Kind = iota + 1 // fact_live_: organization key, live data
	KindTest                 // fact_test_: organization key, test data
	KindUser                 // fact_user_: a user's secret key
)

// kindPrefixes are the token prefixes; all have the same length, which keeps
// Parse a fixed-offset check.
var kindPrefixes = [...]string{
	KindLive: "fact_live_",
	KindTest: "fact_test_",
	KindUser: "fact_user_",
}

const (
	kindPrefixLen = len("fact_live_")

	// SecretLen is the number of random base62 characters after the kind
	// prefix: log2(62^24) ≈ 143 bits. The display prefix reveals 8 of them,
	// which leaves ≈ 95 unknown bits: far beyond any online guessing.
	SecretLen = 24

	// TokenLen is the length of every token.
	TokenLen = kindPrefixLen + SecretLen

	// displayLen is how many secret characters the Prefix shows.
	displayLen = 8

	alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// String returns the token prefix of the kind, e.g. "fact_live_".
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindPrefixes[k]
}

func (k Kind) valid() bool { return k >= KindLive && k <= KindUser }

// Token is a well-formed API secret. The only ways to get one are Generate
// and Parse, so a Token value always has the right shape; the zero Token is
// not a valid token and every function here rejects it.
type Token struct {
	kind Kind
	s    string
}

// Digest is the SHA-256 of a whole token.
type Digest [sha256.Size]byte

// Kind reports the kind of the token.
func (t Token) Kind() Kind { return t.kind }

// Livemode reports whether the token is a live organization key. Test keys
// and user keys are not live; a user key's mode comes from the request.
func (t Token) Livemode() bool { return t.kind == KindLive }

// String returns the whole secret token. Use it only to show a new key once
// or to hash it; log Prefix instead (LogValue does so for slog).
func (t Token) String() string { return t.s }

// Prefix returns the non-secret display and lookup prefix: the kind and the
// first 8 secret characters, e.g. "fact_live_AbC12xyZ". It is stored in clear
// to find the candidate rows of a token, and shown in dashboards and logs.
func (t Token) Prefix() string {
	if t.s == "" {
		return ""
	}
	return t.s[:kindPrefixLen+displayLen]
}

// Digest returns the SHA-256 of the whole token. It identifies one secret
// exactly, which is why the verified-key cache is keyed by it: a key by
// prefix alone would let any token sharing 8 characters ride on a verified one.
func (t Token) Digest() Digest {
	// Copying into an array keeps the hot path allocation-free: a []byte
	// conversion of a string over 32 bytes goes to the heap.
	var b [TokenLen]byte
	n := copy(b[:], t.s)
	return sha256.Sum256(b[:n])
}

// LogValue keeps the secret out of structured logs.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.Prefix() + "…") }

// Generate returns a new random token of the given kind. Each character is
// drawn from crypto/rand by rejection sampling: 6 random bits are kept only
// when they fall below 62, so every base62 character is equally likely
// (a byte modulo 62 would favour the first 8 characters).
func Generate(k Kind) (Token, error) {
	if !k.valid() {
		return Token{}, fmt.Errorf("keys: generate: unknown kind %d", uint8(k))
	}
	buf := make([]byte, TokenLen)
	copy(buf, kindPrefixes[k])
	var random [2 * SecretLen]byte // enough for 24 draws in all but freak cases
	for i := kindPrefixLen; i < len(buf); {
		if _, err := rand.Read(random[:]); err != nil {
			return Token{}, fmt.Errorf("keys: generate: %w", err)
		}
		for _, b := range random {
			if b &= 63; b < 62 && i < len(buf) {
				buf[i] = alphabet[b]
				i++
			}
		}
	}
	return Token{kind: k, s: string(buf)}, nil
}

// Parse checks the whole shape of s (kind prefix, length, alphabet) and
// returns it as a Token. It does no allocation on success and no hashing, so
// that garbage is rejected before any database or bcrypt work. The error is an
// invalid_api_key application error that never echoes the input.
func Parse(s string) (Token, error) {
	k := parseKind(s)
	if k == 0 || !isBase62(s[kindPrefixLen:]) {
		return Token{}, &facturo.Error{Code: facturo.CodeInvalidAPIKey, Message: "Invalid API key provided."}
	}
	return Token{kind: k, s: s}, nil
}

// parseKind returns the kind of a string of the right length, or 0.
func parseKind(s string) Kind {
	if len(s) != TokenLen {
		return 0
	}
	for k := KindLive; k <= KindUser; k++ {
		if s[:kindPrefixLen] == kindPrefixes[k] {
			return k
		}
	}
	return 0
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
