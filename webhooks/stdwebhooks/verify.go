package stdwebhooks

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far the webhook-timestamp may lie from the
// receiver's clock, in either direction, before a delivery is refused as a
// possible replay.
const DefaultTolerance = 5 * time.Minute

// maxTimestampDigits bounds the timestamp text: unix seconds fit in 19
// digits until long after anyone cares, and the bound keeps ParseInt honest.
const maxTimestampDigits = 19

// Verifier checks incoming deliveries. Configure it with every secret that
// is currently valid (during a rotation, the new one and the old one); a
// delivery passes if any of its v1 signatures matches any of them.
//
// A Verifier is safe for concurrent use once its fields are set.
type Verifier struct {
	// Tolerance is the accepted clock difference; zero means DefaultTolerance.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time

	keys [][]byte
}

// NewVerifier returns a Verifier for the given secrets ("whsec_..." or bare
// base64). At least one secret is required.
func NewVerifier(secrets ...string) (*Verifier, error) {
	if len(secrets) == 0 {
		return nil, ErrNoSecrets
	}
	v := &Verifier{keys: make([][]byte, 0, len(secrets))}
	for i, s := range secrets {
		key, err := ParseSecret(s)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		v.keys = append(v.keys, key)
	}
	return v, nil
}

// Verify returns nil if headers and body form an authentic, fresh delivery.
// body must be the raw request body, byte for byte, never re-encoded JSON.
//
// Errors wrap ErrMissingHeaders, ErrInvalidTimestamp, ErrTimestampTooOld,
// ErrTimestampTooNew or ErrInvalidSignature. Use the webhook-id as an
// idempotency key after a successful Verify: a replay within the tolerance
// carries a valid signature.
func (v *Verifier) Verify(headers http.Header, body []byte) error {
	id, rawTS, sigs, err := readHeaders(headers)
	if err != nil {
		return err
	}
	ts, err := parseTimestamp(rawTS)
	if err != nil {
		return err
	}
	if err := v.checkFresh(ts); err != nil {
		return err
	}
	return v.checkSignatures(id, rawTS, sigs, body)
}

// readHeaders takes the webhook-* headers, or the svix-* ones when no
// webhook-* header is present. The two sets are never mixed.
func readHeaders(h http.Header) (id, ts, sigs string, err error) {
	id, ts, sigs = h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" && ts == "" && sigs == "" {
		id, ts, sigs = h.Get(SvixHeaderID), h.Get(SvixHeaderTimestamp), h.Get(SvixHeaderSignature)
	}
	var missing []string
	if id == "" {
		missing = append(missing, HeaderID)
	}
	if ts == "" {
		missing = append(missing, HeaderTimestamp)
	}
	if sigs == "" {
		missing = append(missing, HeaderSignature)
	}
	if len(missing) > 0 {
		return "", "", "", fmt.Errorf("%w: %s", ErrMissingHeaders, strings.Join(missing, ", "))
	}
	return id, ts, sigs, nil
}

// parseTimestamp accepts plain decimal unix seconds only: no sign, no
// spaces, no fractions, since the signature covers the exact text.
func parseTimestamp(s string) (time.Time, error) {
	if len(s) > maxTimestampDigits {
		return time.Time{}, fmt.Errorf("%w: too long", ErrInvalidTimestamp)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, s)
	}
	return time.Unix(n, 0), nil
}

func (v *Verifier) checkFresh(ts time.Time) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	// Compare instants rather than a Duration: now.Sub(ts) saturates for
	// absurd timestamps, and negating the saturated value overflows.
	switch {
	case ts.Before(now.Add(-tol)):
		return fmt.Errorf("%w: sent at %d, now %d, tolerance %s", ErrTimestampTooOld, ts.Unix(), now.Unix(), tol)
	case ts.After(now.Add(tol)):
		return fmt.Errorf("%w: sent at %d, now %d, tolerance %s", ErrTimestampTooNew, ts.Unix(), now.Unix(), tol)
	}
	return nil
}

// checkSignatures compares every "v1," entry of the header with the MAC under
// every key, in constant time. Entries of other versions (such as the
// asymmetric "v1a") and malformed entries are skipped, as the specification
// lets senders add signatures a receiver may not understand.
func (v *Verifier) checkSignatures(id, rawTS, header string, body []byte) error {
	expected := make([][]byte, len(v.keys))
	for i, key := range v.keys {
		expected[i] = computeMAC(key, id, rawTS, body)
	}
	for _, entry := range strings.Fields(header) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != versionV1 {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		for _, want := range expected {
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}
