// Package stdwebhooks signs Facturo's webhook deliveries per the Standard
// Webhooks specification (https://www.standardwebhooks.com), symmetric
// scheme "v1":
//
//	webhook-id:        msg_...                    (stable across retries)
//	webhook-timestamp: 1614265330                 (unix seconds of this attempt)
//	webhook-signature: v1,<base64 HMAC-SHA256("id.timestamp.body")> [v1,...]
//
// The server uses it to make endpoint secrets (NewSecret) and to sign each
// delivery (Headers). The signature itself is computed by
// github.com/facturo/facturo/client/webhook, the public SDK package that
// integrators, and Facturo's own tests and tools, use to verify deliveries:
// signing and verification are one piece of code and cannot drift apart.
package stdwebhooks

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/facturo/facturo/client/webhook"
)

// secretBytes is the size of the keys NewSecret makes (the specification
// asks for 24 to 64 random bytes).
const secretBytes = 32

// NewSecret returns a fresh secret: "whsec_" + base64 of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("stdwebhooks: generate secret: %w", err)
	}
	return webhook.SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Headers sets webhook-id, webhook-timestamp and webhook-signature on h for
// a delivery of body signed with every one of secrets (during a rotation the
// new and the old one, so that receivers on either verify). It leaves h
// untouched on error: the errors of webhook.Sign (no secret, an invalid
// secret, an id that is empty or holds a dot, a space or a control
// character).
func Headers(h http.Header, secrets []string, msgID string, ts time.Time, body []byte) error {
	sig, err := webhook.Sign(msgID, ts, body, secrets...)
	if err != nil {
		return err
	}
	h.Set(webhook.HeaderID, msgID)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	return nil
}
