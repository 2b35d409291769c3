package e2e

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/facturo/facturo/client"
)

// TestUserKeyLifecycle: a leaked user key can be rotated (with a grace
// period, like an organization key) and revoked, by the user itself and by
// the operator, through the Go client; each change is in the audit log
// with its actor, and the operator reads the user and its key.
func TestUserKeyLifecycle(t *testing.T) {
	s := startSystem(t)
	ctx := context.Background()
	op := s.client(testAdminKey)
	u, err := op.Users.Create(ctx, client.UserInput{Email: "leaky@example.com", Name: "Leaky"})
	if err != nil {
		t.Fatal(err)
	}
	works := func(what, secret string) {
		t.Helper()
		if _, err := s.client(secret).Organizations.List(ctx, client.ListParams{}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	refused := func(what, secret, code string) {
		t.Helper()
		_, err := s.client(secret).Organizations.List(ctx, client.ListParams{})
		var e *client.Error
		if !errors.As(err, &e) || e.Code != code {
			t.Fatalf("%s: err %v, want %s", what, err, code)
		}
	}
	d, err := op.Users.Get(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	keyID := d.APIKey.ID
	if d.ID != u.ID || d.Email != "leaky@example.com" || d.APIKey.Prefix != u.SecretKey[:18] || d.APIKey.Secret != "" {
		t.Fatalf("operator reads %+v", d)
	}

	// The user rotates with a grace period: both secrets work meanwhile.
	grace := time.Minute
	k1, err := s.client(u.SecretKey).Users.RotateOwnKey(ctx, &grace)
	if err != nil {
		t.Fatal(err)
	}
	if k1.ID != keyID || k1.Secret == "" || k1.Secret[:10] != "fact_user_" {
		t.Fatalf("rotation answered %+v", k1)
	}
	works("the old secret within its grace", u.SecretKey)
	works("the new secret", k1.Secret)

	// The operator rotates with no grace: only the newest secret works.
	none := time.Duration(0)
	k2, err := op.Users.RotateKey(ctx, u.ID, &none)
	if err != nil {
		t.Fatal(err)
	}
	refused("the first secret, retired by the second rotation", u.SecretKey, "invalid_api_key")
	refused("the second secret, no grace", k1.Secret, "api_key_revoked")
	works("the operator's new secret", k2.Secret)

	// The user revokes itself: final.
	if _, err := s.client(k2.Secret).Users.RevokeOwnKey(ctx); err != nil {
		t.Fatal(err)
	}
	refused("a revoked user key", k2.Secret, "api_key_revoked")
	if d, err = op.Users.Get(ctx, u.ID); err != nil || d.APIKey.RevokedAt == nil {
		t.Fatalf("after revocation the operator reads %+v, %v", d, err)
	}
	if _, err := op.Users.RotateKey(ctx, u.ID, nil); err == nil {
		t.Fatal("a revoked user key was rotated")
	}

	// The operator revokes another user's key.
	v, err := op.Users.Create(ctx, client.UserInput{Email: "banned@example.com", Name: "Banned"})
	if err != nil {
		t.Fatal(err)
	}
	works("a fresh user key", v.SecretKey)
	if _, err := op.Users.RevokeKey(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	refused("a user key the operator revoked", v.SecretKey, "api_key_revoked")
	s.must(404, "GET", "/v1/users/usr_01J00000000000000000000000", testAdminKey, nil)
	s.must(401, "POST", "/v1/user/secret_key/rotate", testAdminKey, map[string]any{})

	// Every change is in the audit log, with who made it.
	rows, err := s.svc.DB.Pool.Query(ctx, `SELECT action, actor FROM audit_log WHERE key_id = $1 AND event_id IS NOT NULL ORDER BY id`, keyID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var action, actor string
		if err := rows.Scan(&action, &actor); err != nil {
			t.Fatal(err)
		}
		got = append(got, action+" by "+actor)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"key.created by operator", "key.rotated by " + u.ID, "key.rotated by operator", "key.revoked by " + u.ID}
	if !slices.Equal(got, want) {
		t.Errorf("audit log of the user key:\n got %q\nwant %q", got, want)
	}
}
