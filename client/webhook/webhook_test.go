package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	// Tests only: the server's signer, to prove the two agree. The package
	// itself imports the standard library only.
	"github.com/facturo/facturo/webhooks/stdwebhooks"
)

// The specification's own vector (the standard-webhooks libraries'
// TestWebhookSign).
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func headers(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, sig)
	return h
}

func verifierAt(t *testing.T, now int64, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return time.Unix(now, 0) }
	return v
}

func TestSpecVector(t *testing.T) {
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, SecretPrefix)} {
		got, err := Sign(specMsgID, time.Unix(specTimestamp, 0), []byte(specPayload), secret)
		if err != nil || got != specSignature {
			t.Errorf("Sign with %q = %q, %v; want %q", secret, got, err, specSignature)
		}
		v := verifierAt(t, specTimestamp+10, secret)
		if err := v.Verify(headers(specMsgID, specTimestamp, specSignature), []byte(specPayload)); err != nil {
			t.Errorf("Verify with %q: %v", secret, err)
		}
	}
}

// Both forms of a rotation verify: several secrets (as arguments or one
// comma-separated list) and several signatures in the header.
func TestRotation(t *testing.T) {
	newS, oldS := mustSecret(t), mustSecret(t)
	body := []byte(`{"type":"invoice.issued"}`)
	now := time.Unix(1_700_000_000, 0)
	both, err := Sign("msg_1", now, body, newS, oldS)
	if err != nil || len(strings.Fields(both)) != 2 {
		t.Fatalf("Sign with two secrets = %q, %v", both, err)
	}
	onlyOld, _ := Sign("msg_1", now, body, oldS)
	other := mustSecret(t)
	for _, c := range []struct {
		name    string
		secrets []string
		sig     string
		ok      bool
	}{
		{"header with both, receiver knows the new", []string{newS}, both, true},
		{"header with both, receiver knows the old", []string{oldS}, both, true},
		{"old signature, receiver knows both (arguments)", []string{newS, oldS}, onlyOld, true},
		{"old signature, receiver knows both (comma list)", []string{newS + ", " + oldS + ","}, onlyOld, true},
		{"old signature, receiver knows only the new", []string{newS}, onlyOld, false},
		{"unknown secret", []string{other}, both, false},
		{"a v1a entry and garbage are skipped", []string{oldS}, "v1a,AAAA v1,!!! v2," + strings.TrimPrefix(onlyOld, "v1,") + " " + onlyOld, true},
	} {
		err := verifierAt(t, now.Unix(), c.secrets...).Verify(headers("msg_1", now.Unix(), c.sig), body)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if !c.ok && !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", c.name, err)
		}
	}
}

func TestRefusals(t *testing.T) {
	v := verifierAt(t, specTimestamp, specSecret)
	body := []byte(specPayload)
	for _, c := range []struct {
		name string
		h    http.Header
		body []byte
		want error
	}{
		{"no headers", http.Header{}, body, ErrMissingHeaders},
		{"no signature", headers(specMsgID, specTimestamp, ""), body, ErrMissingHeaders},
		{"tampered body", headers(specMsgID, specTimestamp, specSignature), []byte(`{"test": 2432232315}`), ErrInvalidSignature},
		{"other id", headers("msg_other", specTimestamp, specSignature), body, ErrInvalidSignature},
		{"too old", headers(specMsgID, specTimestamp-301, specSignature), body, ErrTimestampTooOld},
		{"too new", headers(specMsgID, specTimestamp+301, specSignature), body, ErrTimestampTooNew},
		{"absurd timestamp", headers(specMsgID, 1<<62, specSignature), body, ErrTimestampTooNew},
	} {
		if err := v.Verify(c.h, c.body); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	for _, ts := range []string{"-1", "+1614265330", "1614265330.0", " 1614265330", "99999999999999999999"} {
		h := headers(specMsgID, 0, specSignature)
		h.Set(HeaderTimestamp, ts)
		if err := v.Verify(h, body); !errors.Is(err, ErrInvalidTimestamp) {
			t.Errorf("timestamp %q: err = %v", ts, err)
		}
	}
	// Within the tolerance, either way, passes; a wider tolerance widens it.
	for _, d := range []int64{-300, 300} {
		if err := verifierAt(t, specTimestamp+d, specSecret).Verify(headers(specMsgID, specTimestamp, specSignature), body); err != nil {
			t.Errorf("%+d s away: %v", d, err)
		}
	}
	wide := verifierAt(t, specTimestamp+3600, specSecret)
	wide.Tolerance = 2 * time.Hour
	if err := wide.Verify(headers(specMsgID, specTimestamp, specSignature), body); err != nil {
		t.Errorf("wide tolerance: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	for _, s := range []string{"", " , ", SecretPrefix} {
		if _, err := NewVerifier(s); err == nil {
			t.Errorf("NewVerifier(%q) accepted", s)
		}
	}
	if _, err := NewVerifier(); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("no secrets: %v", err)
	}
	for _, s := range []string{"whsec_not-base64!", "whsec_" + strings.Repeat("A", 8), specSecret + "," + "whsec_AAAA"} {
		_, err := NewVerifier(s)
		if !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("NewVerifier(%q): %v, want ErrInvalidSecret", s, err)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(s, SecretPrefix)) {
			t.Errorf("the error echoes the secret: %v", err)
		}
	}
	if _, err := Sign("msg.1", time.Now(), nil, specSecret); err == nil {
		t.Error("Sign accepted an id with a dot")
	}
}

// The server's signer and this package agree, both ways, across a
// rotation.
func TestAgreesWithServerSigner(t *testing.T) {
	newS, oldS := mustSecret(t), mustSecret(t)
	body := []byte(`{"id":"evt_1","type":"client.created"}`)
	now := time.Now()
	h := http.Header{}
	if err := stdwebhooks.Headers(h, []string{newS, oldS}, "msg_01ABC", now, body); err != nil {
		t.Fatal(err)
	}
	for _, secrets := range [][]string{{newS}, {oldS}, {oldS + "," + newS}} {
		v, err := NewVerifier(secrets...)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(h, body); err != nil {
			t.Errorf("server-signed delivery, secrets %d: %v", len(secrets), err)
		}
		if err := v.Verify(h, append(body, ' ')); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("server-signed, altered body: %v", err)
		}
	}
	sig, err := Sign("msg_01ABC", now, body, newS, oldS)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := stdwebhooks.SignAll([]string{newS, oldS}, "msg_01ABC", now, body)
	if sig != want {
		t.Errorf("Sign = %q, server signs %q", sig, want)
	}
	sv, err := stdwebhooks.NewVerifier(oldS)
	if err != nil {
		t.Fatal(err)
	}
	if err := sv.Verify(headers("msg_01ABC", now.Unix(), sig), body); err != nil {
		t.Errorf("the server's verifier refuses Sign: %v", err)
	}
}

func mustSecret(t *testing.T) string {
	t.Helper()
	s, err := stdwebhooks.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
