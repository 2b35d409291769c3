package httpapi_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/auth"
)

var lifecycleSeed = flag.Uint64("keys.seed", 0, "seed of TestKeyLifecycleStateMachine (0: random)")

// keyModel is what a key's secrets should do, as the rules state them.
type keyModel struct {
	revoked, disabled bool
	current, previous string
	// The previous secret expires somewhere in [prevLo, prevHi]: the server
	// stamps the rotation with its own clock while the request runs.
	prevLo, prevHi time.Time
	retired        []string
}

// TestKeyLifecycleStateMachine applies random sequences of rotations (with
// random grace periods), clock moves, disable/enable and revocation to a
// key, and after every step checks every secret it ever had against the
// model: a revoked key never authenticates, a disabled one neither, a
// rotated-out secret works only inside its grace window, and a secret
// rotated out twice is unknown.
func TestKeyLifecycleStateMachine(t *testing.T) {
	t.Parallel()
	seed := *lifecycleSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -keys.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	s := newKeyTestServer(t, newKeyTestDB(t))
	// Retired secrets are failures by design; the lockout has its own test.
	s.Auth.Throttle = auth.NewThrottle(auth.ThrottlePolicy{PerIP: 1 << 30, PerPrefix: 1 << 30})
	tn := s.newTenant("owner@example.com")

	for run := range 2 {
		keyID, secret := s.newKey(tn, nil)
		m := &keyModel{current: secret}
		path := tn.keyPath(keyID)
		for step := range 12 {
			op := rng.IntN(10)
			if step == 9 {
				op = 8 // every run ends revoked, and goes on
			}
			switch {
			case op < 3: // rotate
				grace := []int{0, 30, 600}[rng.IntN(3)]
				before := s.Clock.Now()
				got := s.do(ktReq{Method: "POST", Path: path + "/rotate", Key: tn.UserKey,
					Body: map[string]any{"grace_period_seconds": grace}})
				after := s.Clock.Now()
				if m.revoked {
					expectStatus(t, run, step, "rotate revoked", got, 409)
					break
				}
				expectStatus(t, run, step, "rotate", got, 200)
				if m.previous != "" {
					m.retired = append(m.retired, m.previous)
				}
				m.previous, m.current = m.current, got.str("secret")
				g := time.Duration(grace) * time.Second
				m.prevLo, m.prevHi = before.Add(g), after.Add(g)
				t.Logf("run %d step %d: rotate, grace %ds", run, step, grace)
			case op < 6: // the clock moves
				d := []time.Duration{10 * time.Second, 40 * time.Second, 11 * time.Minute}[rng.IntN(3)]
				s.Clock.Advance(d)
				t.Logf("run %d step %d: clock +%v", run, step, d)
			case op < 8: // disable or enable
				enable := m.disabled
				got := s.do(ktReq{Method: "PATCH", Path: path, Key: tn.UserKey, Body: map[string]any{"enabled": enable}})
				if m.revoked {
					expectStatus(t, run, step, "patch revoked", got, 409)
					break
				}
				expectStatus(t, run, step, "patch", got, 200)
				m.disabled = !enable
				t.Logf("run %d step %d: enabled=%v", run, step, enable)
			case op < 9: // revoke
				got := s.do(ktReq{Method: "POST", Path: path + "/revoke", Key: tn.UserKey})
				if m.revoked {
					expectStatus(t, run, step, "revoke again", got, 409)
					break
				}
				expectStatus(t, run, step, "revoke", got, 200)
				m.revoked = true
				t.Logf("run %d step %d: revoke", run, step)
			default: // nothing: the cache answers the checks below
			}
			m.check(t, s, run, step)
		}
	}
}

func expectStatus(t *testing.T, run, step int, what string, got ktResponse, want int) {
	t.Helper()
	if got.Status != want {
		t.Fatalf("run %d step %d %s: %d, want %d: %s", run, step, what, got.Status, want, got.Raw)
	}
}

func (m *keyModel) check(t *testing.T, s *keyTestServer, run, step int) {
	t.Helper()
	try := func(secret string) (ktResponse, time.Time, time.Time) {
		before := s.Clock.Now()
		got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: secret})
		return got, before, s.Clock.Now()
	}
	want := func(what string, got ktResponse, code string) {
		t.Helper()
		ok := got.Status == 200 && code == "" || got.Status != 200 && got.errorCode() == code
		if !ok {
			t.Fatalf("run %d step %d: %s secret answered %d %s, want %q (model %+v)",
				run, step, what, got.Status, got.Raw, code, *m)
		}
	}
	refused := ""
	if m.revoked || m.disabled {
		refused = "api_key_revoked"
	}
	got, _, _ := try(m.current)
	want("current", got, refused)
	if m.previous != "" {
		got, before, after := try(m.previous)
		switch {
		case refused != "":
			want("previous", got, refused)
		case after.Before(m.prevLo):
			want("previous (in grace)", got, "")
		case !before.Before(m.prevHi):
			want("previous (grace over)", got, "api_key_revoked")
		default: // at the very edge of the window: either answer is right
		}
	}
	for _, r := range m.retired {
		got, _, _ := try(r)
		want("retired", got, "invalid_api_key")
	}
}

// TestKeyExpiryCleared: a PATCH that leaves expires_at out keeps it; one
// that sends it as null removes it, even after the key expired.
func TestKeyExpiryCleared(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("owner@example.com")
	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	id, secret := s.newKey(tn, map[string]any{"expires_at": expiry})
	got := s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(id), Key: tn.UserKey, Body: map[string]any{"name": "renamed"}})
	if got.str("expires_at") != expiry {
		t.Fatalf("expires_at after a rename: %s, want %s", got.Raw, expiry)
	}
	s.Clock.Advance(2 * time.Hour)
	if got := s.do(ktReq{Method: "GET", Path: "/v1/account", Key: secret}); got.errorCode() != "api_key_revoked" {
		t.Fatalf("expired key: %d %s", got.Status, got.Raw)
	}
	got = s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(id), Key: tn.UserKey, Body: map[string]any{"expires_at": nil}})
	if v, ok := got.Body["expires_at"]; !ok || v != nil {
		t.Fatalf("expires_at after null: %s", got.Raw)
	}
	s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: secret})
	// Clearing it again changes nothing: no event.
	versions := func() (n int) {
		if err := s.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE stream_id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := versions()
	s.must(200, ktReq{Method: "PATCH", Path: tn.keyPath(id), Key: tn.UserKey, Body: map[string]any{"expires_at": nil}})
	if after := versions(); after != before || before != 3 {
		t.Errorf("key events %d then %d, want 3 (created, renamed, expiry cleared) both times", before, after)
	}
}
