package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
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

// headers sets the three headers; an empty value leaves one out.
func headers(id, ts, sig string) http.Header {
	h := http.Header{}
	for k, v := range map[string]string{HeaderID: id, HeaderTimestamp: ts, HeaderSignature: sig} {
		if v != "" {
			h.Set(k, v)
		}
	}
	return h
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func verifierAt(t testing.TB, now time.Time, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	return v
}

func mustSign(t testing.TB, id string, ts time.Time, body []byte, secrets ...string) string {
	t.Helper()
	s, err := Sign(id, ts, body, secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustSecret makes a secret as Facturo does: "whsec_" + base64 of 32 random
// bytes.
func mustSecret(t testing.TB) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

func TestVerifySpecVector(t *testing.T) {
	sent := time.Unix(specTimestamp, 0)
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, SecretPrefix)} {
		if got, err := Sign(specMsgID, sent, []byte(specPayload), secret); err != nil || got != specSignature {
			t.Errorf("Sign with %q = %q, %v; want %q", secret, got, err, specSignature)
		}
		v := verifierAt(t, sent.Add(10*time.Second), secret)
		if err := v.Verify(headers(specMsgID, unix(sent), specSignature), []byte(specPayload)); err != nil {
			t.Errorf("Verify with %q: %v", secret, err)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"type":"invoice.paid","data":{"id":"inv_1"}}`)
	other := mustSecret(t)
	sign := func(secret string, ts time.Time, b []byte) string { return mustSign(t, "evt_1", ts, b, secret) }
	valid := sign(specSecret, now, body)
	tsText := unix(now)
	at := func(d time.Duration) string { return unix(now.Add(d)) }
	signedAt := func(d time.Duration) http.Header { return headers("evt_1", at(d), sign(specSecret, now.Add(d), body)) }

	tests := []struct {
		name      string
		h         http.Header
		body      []byte
		tolerance time.Duration
		want      error
	}{
		{"valid", headers("evt_1", tsText, valid), body, 0, nil},
		{"empty body", headers("evt_1", tsText, sign(specSecret, now, nil)), nil, 0, nil},
		{"missing all", http.Header{}, body, 0, ErrMissingHeaders},
		{"missing id", headers("", tsText, valid), body, 0, ErrMissingHeaders},
		{"missing timestamp", headers("evt_1", "", valid), body, 0, ErrMissingHeaders},
		{"missing signature", headers("evt_1", tsText, ""), body, 0, ErrMissingHeaders},
		{"timestamp not a number", headers("evt_1", "soon", valid), body, 0, ErrInvalidTimestamp},
		{"timestamp with sign", headers("evt_1", "+"+tsText, valid), body, 0, ErrInvalidTimestamp},
		{"timestamp negative", headers("evt_1", "-"+tsText, valid), body, 0, ErrInvalidTimestamp},
		{"timestamp fraction", headers("evt_1", tsText+".5", valid), body, 0, ErrInvalidTimestamp},
		{"timestamp with a space", headers("evt_1", " "+tsText, valid), body, 0, ErrInvalidTimestamp},
		{"timestamp overflow", headers("evt_1", "99999999999999999999", valid), body, 0, ErrInvalidTimestamp},
		{"timestamp in ms", headers("evt_1", tsText+"000", valid), body, 0, ErrTimestampTooNew},
		{"absurd timestamp", headers("evt_1", strconv.FormatInt(1<<62, 10), valid), body, 0, ErrTimestampTooNew},
		{"too old", signedAt(-6 * time.Minute), body, 0, ErrTimestampTooOld},
		{"too new", signedAt(6 * time.Minute), body, 0, ErrTimestampTooNew},
		{"old edge accepted", signedAt(-5 * time.Minute), body, 0, nil},
		{"new edge accepted", signedAt(5 * time.Minute), body, 0, nil},
		{"wider tolerance", signedAt(-6 * time.Minute), body, 10 * time.Minute, nil},
		{"much wider tolerance", signedAt(time.Hour), body, 2 * time.Hour, nil},
		{"narrower tolerance", signedAt(-2 * time.Minute), body, time.Minute, ErrTimestampTooOld},
		{"tampered body", headers("evt_1", tsText, valid), []byte(`{"type":"invoice.paid","data":{"id":"inv_2"}}`), 0, ErrInvalidSignature},
		{"other id", headers("evt_2", tsText, valid), body, 0, ErrInvalidSignature},
		{"shifted timestamp", headers("evt_1", at(time.Second), valid), body, 0, ErrInvalidSignature},
		{"unknown secret", headers("evt_1", tsText, sign(other, now, body)), body, 0, ErrInvalidSignature},
		{"no version", headers("evt_1", tsText, strings.TrimPrefix(valid, "v1,")), body, 0, ErrInvalidSignature},
		{"v1a only", headers("evt_1", tsText, "v1a"+strings.TrimPrefix(valid, "v1")), body, 0, ErrInvalidSignature},
		{"v2 only", headers("evt_1", tsText, "v2"+strings.TrimPrefix(valid, "v1")), body, 0, ErrInvalidSignature},
		{"bad base64", headers("evt_1", tsText, "v1,@@@"), body, 0, ErrInvalidSignature},
		{"truncated mac", headers("evt_1", tsText, valid[:len(valid)-8]), body, 0, ErrInvalidSignature},
		{"several, one valid", headers("evt_1", tsText, "v1a,AAAA v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "+valid+" v2,x"), body, 0, nil},
		{"extra spaces", headers("evt_1", tsText, "  "+valid+"   "), body, 0, nil},
		{"old sender secret", headers("evt_1", tsText, sign(other, now, body)+" "+valid), body, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierAt(t, now, specSecret)
			v.Tolerance = tt.tolerance
			err := v.Verify(tt.h, tt.body)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

// Both forms of a rotation verify: several secrets (as arguments or one
// comma-separated list) and several signatures in the header.
func TestVerifyRotation(t *testing.T) {
	newS, oldS, other := mustSecret(t), mustSecret(t), mustSecret(t)
	body := []byte(`{"type":"invoice.issued"}`)
	now := time.Unix(1_700_000_000, 0)
	both := mustSign(t, "msg_1", now, body, newS, oldS)
	if len(strings.Fields(both)) != 2 {
		t.Fatalf("Sign with two secrets = %q", both)
	}
	onlyOld := mustSign(t, "msg_1", now, body, oldS)
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
		err := verifierAt(t, now, c.secrets...).Verify(headers("msg_1", unix(now), c.sig), body)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if !c.ok && !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", c.name, err)
		}
	}
}

func TestSecrets(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, c := range []struct {
		name   string
		secret string
		want   error // nil: accepted
	}{
		{"prefixed", specSecret, nil},
		{"bare base64", strings.TrimPrefix(specSecret, SecretPrefix), nil},
		{"32 bytes", SecretPrefix + b64(32), nil},
		{"64 bytes", SecretPrefix + b64(64), nil},
		{"empty", "", ErrNoSecrets},
		{"blank list", " , ", ErrNoSecrets},
		{"prefix only", SecretPrefix, ErrInvalidSecret},
		{"too short", SecretPrefix + b64(16), ErrInvalidSecret},
		{"too long", SecretPrefix + b64(65), ErrInvalidSecret},
		{"not base64", SecretPrefix + "!!!!not-base64!!!!!!!!!!!!!!!!!!", ErrInvalidSecret},
		{"url alphabet", SecretPrefix + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_", ErrInvalidSecret},
		{"one bad in a list", specSecret + ",whsec_AAAA", ErrInvalidSecret},
	} {
		_, err := NewVerifier(c.secret)
		if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
			t.Errorf("%s: NewVerifier error = %v, want %v", c.name, err, c.want)
		}
		if err != nil && len(c.secret) > len(SecretPrefix)+4 && strings.Contains(err.Error(), strings.TrimPrefix(c.secret, SecretPrefix)) {
			t.Errorf("%s: the error echoes the secret: %v", c.name, err)
		}
	}
	if _, err := NewVerifier(); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("no secrets: %v", err)
	}
}

func TestSign(t *testing.T) {
	ts := time.Unix(specTimestamp, 0)
	body := []byte(specPayload)
	old := mustSecret(t)
	// One entry per secret, in the order given.
	if got, want := mustSign(t, specMsgID, ts, body, specSecret, old), specSignature+" "+mustSign(t, specMsgID, ts, body, old); got != want {
		t.Errorf("Sign with two secrets = %q, want %q", got, want)
	}
	for _, c := range []struct {
		name    string
		secrets []string
		id      string
		want    error // nil: any error
	}{
		{"no secrets", nil, specMsgID, ErrNoSecrets},
		{"bad secret", []string{specSecret, "whsec_short"}, specMsgID, ErrInvalidSecret},
		{"empty id", []string{specSecret}, "", nil},
		{"dot in id", []string{specSecret}, "msg.1", nil},
		{"space in id", []string{specSecret}, "msg 1", nil},
		{"newline in id", []string{specSecret}, "msg\n1", nil},
		{"NUL in id", []string{specSecret}, "msg\x001", nil},
		{"DEL in id", []string{specSecret}, "msg\x7f1", nil},
	} {
		_, err := Sign(c.id, ts, body, c.secrets...)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: Sign error = %v, want %v", c.name, err, c.want)
		}
	}
}
