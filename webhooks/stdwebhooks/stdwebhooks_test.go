package stdwebhooks

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/client/webhook"
)

// The verification tests and FuzzVerify live with the verifier, in
// client/webhook. These cover what the server adds: its secrets and its
// headers, checked against that verifier.

func TestNewSecret(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(s, webhook.SecretPrefix)
	if !ok {
		t.Fatalf("NewSecret() = %q, want prefix %q", s, webhook.SecretPrefix)
	}
	if key, err := base64.StdEncoding.DecodeString(b64); err != nil || len(key) != 32 {
		t.Errorf("key is %d bytes (%v), want 32", len(key), err)
	}
	if _, err := webhook.NewVerifier(s); err != nil {
		t.Errorf("the verifier refuses NewSecret(): %v", err)
	}
	if s2, _ := NewSecret(); s == s2 {
		t.Error("two NewSecret calls returned the same secret")
	}
}

// The specification's own vector, as header values.
func TestHeaders(t *testing.T) {
	h := http.Header{}
	err := Headers(h, []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		webhook.HeaderID:        "msg_p5jXN8AQM9LWM0D4loKWxJek",
		webhook.HeaderTimestamp: "1614265330",
		webhook.HeaderSignature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	} {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestHeadersErrors(t *testing.T) {
	secret := mustSecret(t)
	for _, c := range []struct {
		name    string
		secrets []string
		id      string
		want    error // nil: any error
	}{
		{"no secrets", nil, "msg_1", webhook.ErrNoSecrets},
		{"bad secret", []string{secret, "whsec_short"}, "msg_1", webhook.ErrInvalidSecret},
		{"empty id", []string{secret}, "", nil},
		{"dot in id", []string{secret}, "msg.1", nil},
		{"space in id", []string{secret}, "msg 1", nil},
		{"control character in id", []string{secret}, "msg\x001", nil},
	} {
		h := http.Header{}
		err := Headers(h, c.secrets, c.id, time.Now(), []byte("{}"))
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		if len(h) != 0 {
			t.Errorf("%s: headers set despite the error: %v", c.name, h)
		}
	}
}

// A delivery the server signs during a rotation verifies with
// client/webhook for a receiver that knows either secret or both, and for
// no other body or secret.
func TestHeadersVerify(t *testing.T) {
	newS, oldS := mustSecret(t), mustSecret(t)
	body := []byte(`{"id":"evt_1","type":"client.created"}`)
	h := http.Header{}
	if err := Headers(h, []string{newS, oldS}, "msg_01ABC", time.Now(), body); err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(h.Get(webhook.HeaderSignature))); n != 2 {
		t.Fatalf("%d signatures, want 2: %q", n, h.Get(webhook.HeaderSignature))
	}
	for _, secrets := range [][]string{{newS}, {oldS}, {oldS, newS}, {oldS + "," + newS}} {
		v, err := webhook.NewVerifier(secrets...)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(h, body); err != nil {
			t.Errorf("server-signed delivery, %d secret arguments: %v", len(secrets), err)
		}
		if err := v.Verify(h, append(body[:len(body):len(body)], ' ')); !errors.Is(err, webhook.ErrInvalidSignature) {
			t.Errorf("server-signed, altered body: %v", err)
		}
	}
	v, _ := webhook.NewVerifier(mustSecret(t))
	if err := v.Verify(h, body); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("receiver with an unrelated secret: %v", err)
	}
}

func mustSecret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
