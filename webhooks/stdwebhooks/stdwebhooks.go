// Package stdwebhooks signs and verifies webhooks per the Standard Webhooks
// specification (https://www.standardwebhooks.com), symmetric scheme "v1":
//
//	webhook-id:        msg_...                    (stable across retries)
//	webhook-timestamp: 1614265330                 (unix seconds of this attempt)
//	webhook-signature: v1,<base64 HMAC-SHA256("id.timestamp.body")> [v1,...]
//
// Facturo uses it to sign deliveries; integrators use it to verify them. It
// depends on the standard library only, so importing it costs nothing.
package stdwebhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the specification. Svix, the specification's origin, sends
// the same values under svix-* names; Verifier accepts both.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	SvixHeaderID        = "svix-id"
	SvixHeaderTimestamp = "svix-timestamp"
	SvixHeaderSignature = "svix-signature"
)

const (
	// SecretPrefix marks a symmetric signing secret, so that people and secret
	// scanners recognise it.
	SecretPrefix = "whsec_"

	// MinSecretBytes and MaxSecretBytes bound the decoded key (the
	// specification asks for 24 to 64 random bytes).
	MinSecretBytes = 24
	MaxSecretBytes = 64

	// secretBytes is the size of the keys NewSecret makes.
	secretBytes = 32

	versionV1 = "v1"
)

// Errors. Verify wraps them with details; test them with errors.Is.
var (
	ErrInvalidSecret    = errors.New("stdwebhooks: invalid secret")
	ErrNoSecrets        = errors.New("stdwebhooks: no secret given")
	ErrInvalidMessageID = errors.New("stdwebhooks: invalid message id")
	ErrMissingHeaders   = errors.New("stdwebhooks: missing webhook headers")
	ErrInvalidTimestamp = errors.New("stdwebhooks: invalid webhook timestamp")
	ErrTimestampTooOld  = errors.New("stdwebhooks: webhook timestamp too old")
	ErrTimestampTooNew  = errors.New("stdwebhooks: webhook timestamp too new")
	ErrInvalidSignature = errors.New("stdwebhooks: no matching signature")
)

// NewSecret returns a fresh secret: "whsec_" + base64 of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("stdwebhooks: generate secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// ParseSecret returns the HMAC key of a secret: the base64 text after the
// "whsec_" prefix. Like the specification's libraries it also accepts the
// bare base64 text without the prefix.
func ParseSecret(s string) ([]byte, error) {
	b64 := strings.TrimPrefix(s, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		// The key is never echoed into the error: errors end up in logs.
		return nil, fmt.Errorf("%w: not base64", ErrInvalidSecret)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d to %d",
			ErrInvalidSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

// Sign returns the "v1,<base64>" signature of body for message msgID sent at ts.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	return SignAll([]string{secret}, msgID, ts, body)
}

// SignAll signs with every secret and joins the signatures with spaces, as
// the webhook-signature header carries them. During a rotation the sender
// passes the new and the old secret, so receivers on either verify.
func SignAll(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecrets
	}
	if err := checkMessageID(msgID); err != nil {
		return "", err
	}
	unix := formatTimestamp(ts)
	sigs := make([]string, 0, len(secrets))
	for i, s := range secrets {
		key, err := ParseSecret(s)
		if err != nil {
			return "", fmt.Errorf("secret %d: %w", i, err)
		}
		mac := computeMAC(key, msgID, unix, body)
		sigs = append(sigs, versionV1+","+base64.StdEncoding.EncodeToString(mac))
	}
	return strings.Join(sigs, " "), nil
}

// Headers sets webhook-id, webhook-timestamp and webhook-signature on h for
// a delivery of body signed with secrets.
func Headers(h http.Header, secrets []string, msgID string, ts time.Time, body []byte) error {
	sig, err := SignAll(secrets, msgID, ts, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, formatTimestamp(ts))
	h.Set(HeaderSignature, sig)
	return nil
}

// checkMessageID refuses ids that would make the signed content ambiguous:
// the specification warns against a "." in the id, and whitespace or control
// characters cannot travel in a header intact.
func checkMessageID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrInvalidMessageID)
	}
	for _, r := range id {
		if r == '.' || r <= ' ' || r == 0x7f {
			return fmt.Errorf("%w: %q contains %q", ErrInvalidMessageID, id, r)
		}
	}
	return nil
}

func formatTimestamp(ts time.Time) string {
	return strconv.FormatInt(ts.Unix(), 10)
}

// computeMAC is HMAC-SHA256(key, "msgID.unix.body").
func computeMAC(key []byte, msgID, unix string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write([]byte(unix))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
