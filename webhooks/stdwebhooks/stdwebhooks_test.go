package stdwebhooks

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The specification's own vector (standard-webhooks libraries' TestWebhookSign).
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecVector(t *testing.T) {
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, SecretPrefix)} {
		got, err := Sign(secret, specMsgID, time.Unix(specTimestamp, 0), []byte(specPayload))
		if err != nil {
			t.Fatalf("Sign(%q): %v", secret, err)
		}
		if got != specSignature {
			t.Errorf("Sign(%q) = %q, want %q", secret, got, specSignature)
		}
	}
}

func TestVerifySpecVector(t *testing.T) {
	v := mustVerifier(t, specSecret)
	v.Now = func() time.Time { return time.Unix(specTimestamp+10, 0) }
	h := http.Header{}
	h.Set(HeaderID, specMsgID)
	h.Set(HeaderTimestamp, strconv.Itoa(specTimestamp))
	h.Set(HeaderSignature, specSignature)
	if err := v.Verify(h, []byte(specPayload)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestNewSecret(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, SecretPrefix) {
		t.Fatalf("NewSecret() = %q, want prefix %q", s, SecretPrefix)
	}
	key, err := ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret(NewSecret()): %v", err)
	}
	if len(key) != 32 {
		t.Errorf("key is %d bytes, want 32", len(key))
	}
	s2, _ := NewSecret()
	if s == s2 {
		t.Error("two NewSecret calls returned the same secret")
	}
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name    string
		in      string
		wantLen int
		wantErr bool
	}{
		{"prefixed", specSecret, 24, false},
		{"bare base64", strings.TrimPrefix(specSecret, SecretPrefix), 24, false},
		{"32 bytes", SecretPrefix + b64(32), 32, false},
		{"64 bytes", SecretPrefix + b64(64), 64, false},
		{"empty", "", 0, true},
		{"prefix only", SecretPrefix, 0, true},
		{"too short", SecretPrefix + b64(16), 0, true},
		{"too long", SecretPrefix + b64(65), 0, true},
		{"not base64", SecretPrefix + "!!!!not-base64!!!!!!!!!!!!!!!!!!", 0, true},
		{"url alphabet", SecretPrefix + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParseSecret(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidSecret) {
					t.Fatalf("ParseSecret(%q) error = %v, want ErrInvalidSecret", tt.in, err)
				}
				if strings.Contains(err.Error(), tt.in) && tt.in != "" {
					t.Errorf("error %q leaks the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSecret(%q): %v", tt.in, err)
			}
			if len(key) != tt.wantLen {
				t.Errorf("len(key) = %d, want %d", len(key), tt.wantLen)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	ts := time.Unix(specTimestamp, 0)
	tests := []struct {
		name    string
		secrets []string
		id      string
		want    error
	}{
		{"no secrets", nil, specMsgID, ErrNoSecrets},
		{"bad secret", []string{specSecret, "whsec_short"}, specMsgID, ErrInvalidSecret},
		{"empty id", []string{specSecret}, "", ErrInvalidMessageID},
		{"dot in id", []string{specSecret}, "msg.1", ErrInvalidMessageID},
		{"space in id", []string{specSecret}, "msg 1", ErrInvalidMessageID},
		{"newline in id", []string{specSecret}, "msg\n1", ErrInvalidMessageID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SignAll(tt.secrets, tt.id, ts, []byte(specPayload))
			if !errors.Is(err, tt.want) {
				t.Fatalf("SignAll error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignAllRotation(t *testing.T) {
	old, _ := NewSecret()
	ts := time.Unix(specTimestamp, 0)
	got, err := SignAll([]string{specSecret, old}, specMsgID, ts, []byte(specPayload))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(got, " ")
	if len(parts) != 2 || parts[0] != specSignature {
		t.Fatalf("SignAll = %q, want the spec signature then one more", got)
	}
	oldSig, _ := Sign(old, specMsgID, ts, []byte(specPayload))
	if parts[1] != oldSig {
		t.Errorf("second signature = %q, want %q", parts[1], oldSig)
	}
}

func TestHeaders(t *testing.T) {
	h := http.Header{}
	ts := time.Unix(specTimestamp, 0)
	if err := Headers(h, []string{specSecret}, specMsgID, ts, []byte(specPayload)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		HeaderID:        specMsgID,
		HeaderTimestamp: "1614265330",
		HeaderSignature: specSignature,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if err := Headers(http.Header{}, nil, specMsgID, ts, nil); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("Headers without secrets: %v, want ErrNoSecrets", err)
	}
}

func TestNewVerifierErrors(t *testing.T) {
	if _, err := NewVerifier(); !errors.Is(err, ErrNoSecrets) {
		t.Errorf("NewVerifier() error = %v, want ErrNoSecrets", err)
	}
	if _, err := NewVerifier(specSecret, "nope"); !errors.Is(err, ErrInvalidSecret) {
		t.Errorf("NewVerifier(bad) error = %v, want ErrInvalidSecret", err)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"type":"invoice.paid","data":{"id":"inv_1"}}`)
	other, _ := NewSecret()
	sign := func(secret string, ts time.Time, b []byte) string {
		s, err := Sign(secret, "evt_1", ts, b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := sign(specSecret, now, body)
	tsText := strconv.FormatInt(now.Unix(), 10)
	headers := func(id, ts, sig string) http.Header {
		h := http.Header{}
		for k, v := range map[string]string{HeaderID: id, HeaderTimestamp: ts, HeaderSignature: sig} {
			if v != "" {
				h.Set(k, v)
			}
		}
		return h
	}
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }

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
		{"timestamp overflow", headers("evt_1", "99999999999999999999", valid), body, 0, ErrInvalidTimestamp},
		{"timestamp in ms", headers("evt_1", tsText+"000", valid), body, 0, ErrTimestampTooNew},
		{"too old", headers("evt_1", at(-6*time.Minute), sign(specSecret, now.Add(-6*time.Minute), body)), body, 0, ErrTimestampTooOld},
		{"too new", headers("evt_1", at(6*time.Minute), sign(specSecret, now.Add(6*time.Minute), body)), body, 0, ErrTimestampTooNew},
		{"old edge accepted", headers("evt_1", at(-5*time.Minute), sign(specSecret, now.Add(-5*time.Minute), body)), body, 0, nil},
		{"new edge accepted", headers("evt_1", at(5*time.Minute), sign(specSecret, now.Add(5*time.Minute), body)), body, 0, nil},
		{"wider tolerance", headers("evt_1", at(-6*time.Minute), sign(specSecret, now.Add(-6*time.Minute), body)), body, 10 * time.Minute, nil},
		{"narrower tolerance", headers("evt_1", at(-2*time.Minute), sign(specSecret, now.Add(-2*time.Minute), body)), body, time.Minute, ErrTimestampTooOld},
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
			v := mustVerifier(t, specSecret)
			v.Now = func() time.Time { return now }
			v.Tolerance = tt.tolerance
			err := v.Verify(tt.h, tt.body)
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyReceiverRotation(t *testing.T) {
	newSecret, _ := NewSecret()
	now := time.Now()
	h := http.Header{}
	// The sender still signs with the old secret only.
	if err := Headers(h, []string{specSecret}, "evt_1", now, []byte("x")); err != nil {
		t.Fatal(err)
	}
	v := mustVerifier(t, newSecret, specSecret)
	if err := v.Verify(h, []byte("x")); err != nil {
		t.Fatalf("Verify with old secret among configured ones: %v", err)
	}
	if err := mustVerifier(t, newSecret).Verify(h, []byte("x")); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("Verify with new secret only = %v, want ErrInvalidSignature", err)
	}
}

func TestVerifySvixHeaders(t *testing.T) {
	h := http.Header{}
	h.Set(SvixHeaderID, specMsgID)
	h.Set(SvixHeaderTimestamp, strconv.Itoa(specTimestamp))
	h.Set(SvixHeaderSignature, specSignature)
	v := mustVerifier(t, specSecret)
	v.Now = func() time.Time { return time.Unix(specTimestamp, 0) }
	if err := v.Verify(h, []byte(specPayload)); err != nil {
		t.Fatalf("Verify svix headers: %v", err)
	}
	// The sets are not mixed: one webhook-* header disables the svix fallback.
	h.Set(HeaderID, specMsgID)
	if err := v.Verify(h, []byte(specPayload)); !errors.Is(err, ErrMissingHeaders) {
		t.Fatalf("Verify mixed headers = %v, want ErrMissingHeaders", err)
	}
}

func mustVerifier(t testing.TB, secrets ...string) *Verifier {
	t.Helper()
	v, err := NewVerifier(secrets...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
