// Package webhook verifies the webhooks Facturo sends, signed per Standard
// Webhooks (https://www.standardwebhooks.com), symmetric scheme "v1":
//
//	webhook-id:        msg_...      (the same on every retry: process each once)
//	webhook-timestamp: 1614265330   (unix seconds of this attempt)
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)> [v1,...]
//
// The key is the base64 text after "whsec_" in the endpoint's secret,
// decoded. During a secret rotation Facturo signs with the new and the old
// secret (several "v1," signatures), and a receiver may know both: give the
// Verifier every secret, as several arguments or one comma-separated list:
//
//	v, err := webhook.NewVerifier(os.Getenv("FACTURO_WEBHOOK_SECRET")) // "whsec_new,whsec_old" during a rotation
//	...
//	body, _ := io.ReadAll(r.Body)
//	if err := v.Verify(r.Header, body); err != nil { // 400 }
//
// It depends on the standard library only.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every Facturo signing secret.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far webhook-timestamp may lie from the receiver's
// clock, either way, before a delivery is refused as a possible replay.
const DefaultTolerance = 5 * time.Minute

// Key sizes the specification allows (decoded bytes).
const (
	minKeyBytes = 24
	maxKeyBytes = 64
)

// Errors. Verify and NewVerifier wrap them with details; test them with
// errors.Is.
var (
	ErrNoSecrets        = errors.New("webhook: no secret given")
	ErrInvalidSecret    = errors.New("webhook: invalid secret")
	ErrMissingHeaders   = errors.New("webhook: missing webhook headers")
	ErrInvalidTimestamp = errors.New("webhook: invalid webhook timestamp")
	ErrTimestampTooOld  = errors.New("webhook: webhook timestamp too old")
	ErrTimestampTooNew  = errors.New("webhook: webhook timestamp too new")
	ErrInvalidSignature = errors.New("webhook: no matching signature")
)

// Verifier checks deliveries against every secret it was given. It is safe
// for concurrent use once its fields are set.
type Verifier struct {
	// Tolerance is the accepted clock difference; zero means
	// DefaultTolerance.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	keys [][]byte
}

// NewVerifier returns a Verifier for secrets ("whsec_..." or the bare
// base64). Each argument may hold several secrets separated by commas, as
// an environment variable would during a rotation; blank entries are
// ignored, and at least one secret is required.
func NewVerifier(secrets ...string) (*Verifier, error) {
	v := &Verifier{}
	for _, arg := range secrets {
		for s := range strings.SplitSeq(arg, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			key, err := parseSecret(s)
			if err != nil {
				return nil, fmt.Errorf("secret %d: %w", len(v.keys)+1, err)
			}
			v.keys = append(v.keys, key)
		}
	}
	if len(v.keys) == 0 {
		return nil, ErrNoSecrets
	}
	return v, nil
}

// parseSecret decodes the key of a secret; the secret never appears in the
// error, since errors end up in logs.
func parseSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrInvalidSecret)
	}
	if len(key) < minKeyBytes || len(key) > maxKeyBytes {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrInvalidSecret, len(key), minKeyBytes, maxKeyBytes)
	}
	return key, nil
}

// Verify returns nil when headers and body are an authentic delivery sent
// within the tolerance. body must be the raw request body, byte for byte
// (never re-encoded JSON). After a nil error, use the webhook-id header to
// process each message once: a replay within the tolerance verifies too.
//
// Errors wrap ErrMissingHeaders, ErrInvalidTimestamp, ErrTimestampTooOld,
// ErrTimestampTooNew or ErrInvalidSignature.
func (v *Verifier) Verify(headers http.Header, body []byte) error {
	id, ts, sigs := headers.Get(HeaderID), headers.Get(HeaderTimestamp), headers.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: want %s, %s and %s", ErrMissingHeaders, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	sent, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	if err := v.checkFresh(sent); err != nil {
		return err
	}
	for _, key := range v.keys {
		want := mac(key, id, ts, body)
		for entry := range strings.FieldsSeq(sigs) {
			// Entries of other schemes (such as "v1a,") may be present:
			// skip what is not a well-formed v1 signature.
			b64, ok := strings.CutPrefix(entry, "v1,")
			if !ok {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// parseTimestamp accepts decimal unix seconds only (no sign, space or
// fraction): the signature covers the exact text.
func parseTimestamp(s string) (time.Time, error) {
	bad := len(s) > 19 // unix seconds fit in 19 digits for a very long time
	for i := 0; i < len(s) && !bad; i++ {
		bad = s[i] < '0' || s[i] > '9'
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if bad || err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, s)
	}
	return time.Unix(n, 0), nil
}

func (v *Verifier) checkFresh(sent time.Time) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	// Compare instants, not a Duration: now.Sub saturates for absurd
	// timestamps.
	switch {
	case sent.Before(now.Add(-tol)):
		return fmt.Errorf("%w: sent at %d, now %d, tolerance %s", ErrTimestampTooOld, sent.Unix(), now.Unix(), tol)
	case sent.After(now.Add(tol)):
		return fmt.Errorf("%w: sent at %d, now %d, tolerance %s", ErrTimestampTooNew, sent.Unix(), now.Unix(), tol)
	}
	return nil
}

// Sign returns the webhook-signature value of body for message id sent at
// ts, with one "v1," entry per secret (secrets are read as NewVerifier reads
// them). Facturo's server signs its deliveries with this very function; it
// also lets the tests of a receiver make deliveries of their own.
//
// Errors wrap ErrNoSecrets or ErrInvalidSecret, or report an id that is
// empty or holds a dot (the specification warns that it makes the signed
// content ambiguous), a space or a control character (it would not travel
// in a header intact).
func Sign(id string, ts time.Time, body []byte, secrets ...string) (string, error) {
	v, err := NewVerifier(secrets...)
	if err != nil {
		return "", err
	}
	if !validID(id) {
		return "", fmt.Errorf("webhook: message id %q is empty or holds a dot, a space or a control character", id)
	}
	unix := strconv.FormatInt(ts.Unix(), 10)
	sigs := make([]string, len(v.keys))
	for i, key := range v.keys {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac(key, id, unix, body))
	}
	return strings.Join(sigs, " "), nil
}

func validID(id string) bool {
	for _, r := range id {
		if r == '.' || r <= ' ' || r == 0x7f {
			return false
		}
	}
	return id != ""
}

// mac is HMAC-SHA256(key, id + "." + timestamp + "." + body).
func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return m.Sum(nil)
}
