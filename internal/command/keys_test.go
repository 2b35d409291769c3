package command_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/command"
)

// countingSecrets makes real tokens with fake hashes and counts the calls:
// each stands for a bcrypt hash, about a second of CPU in production.
type countingSecrets struct{ n int }

func (c *countingSecrets) make(kind auth.Kind) (auth.Token, []byte, error) {
	c.n++
	tok, err := auth.Generate(kind)
	return tok, []byte("hash-" + tok.Prefix()), err
}

// Bad input to a command that makes a secret is refused before the secret
// is hashed: no field may be checked after the expensive step.
func TestKeyCommandsValidateBeforeHashing(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	secrets := &countingSecrets{}
	u, err := command.CreateUser(ctx, st, secrets.make, m, accounts.UserInput{Email: "a@example.com", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	org, err := command.CreateOrganization(ctx, st, u.User.ID, m, accounts.OrganizationInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	past := m.Now.Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		in    accounts.KeyInput
		code  string
		param string
	}{
		{"unknown scope", accounts.KeyInput{Mode: "live", Scopes: []string{"clients:fly"}}, facturo.CodeInvalidScope, "scopes"},
		{"retired scope", accounts.KeyInput{Mode: "live", Scopes: []string{"keys:write"}}, facturo.CodeInvalidScope, "scopes"},
		{"bad allowlist", accounts.KeyInput{Mode: "test", IPAllowlist: []string{"not-an-ip"}}, facturo.CodeParameterInvalid, "ip_allowlist"},
		{"expiry in the past", accounts.KeyInput{Mode: "test", ExpiresAt: &past}, facturo.CodeParameterInvalid, "expires_at"},
		{"name too long", accounts.KeyInput{Mode: "test", Name: strings.Repeat("n", 101)}, facturo.CodeParameterInvalid, "name"},
		{"no mode", accounts.KeyInput{}, facturo.CodeParameterMissing, "mode"},
	} {
		secrets.n = 0
		_, err := command.CreateKey(ctx, st, secrets.make, u.User.ID, m, org.ID, tc.in)
		var e *facturo.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Param != tc.param {
			t.Errorf("%s: err = %v, want %s on %q", tc.name, err, tc.code, tc.param)
		}
		if secrets.n != 0 {
			t.Errorf("%s: %d secrets hashed before the input was refused", tc.name, secrets.n)
		}
	}
	secrets.n = 0
	if _, err := command.CreateUser(ctx, st, secrets.make, m, accounts.UserInput{Email: "not an email", Name: "B"}); err == nil || secrets.n != 0 {
		t.Errorf("bad user: err %v, %d secrets hashed", err, secrets.n)
	}
}

// A user key command reaches only that user's own secret key: another
// user's key and an organization key read as not found, and a bad grace
// period is refused before the new secret is hashed.
func TestUserKeyCommands(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	secrets := &countingSecrets{}
	newUser := func(email string) (userID, keyID string) {
		u, err := command.CreateUser(ctx, st, secrets.make, m, accounts.UserInput{Email: email, Name: "U"})
		if err != nil {
			t.Fatal(err)
		}
		for s := range st.streams {
			if k, _ := command.UserKey(ctx, st, u.User.ID, s.ID); k != nil {
				return u.User.ID, k.ID
			}
		}
		t.Fatal("no user key")
		return "", ""
	}
	a, aKey := newUser("a@example.com")
	b, _ := newUser("b@example.com")
	org, err := command.CreateOrganization(ctx, st, a, m, accounts.OrganizationInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	orgKey, err := command.CreateKey(ctx, st, secrets.make, a, m, org.ID, accounts.KeyInput{Mode: "live"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = command.RevokeUserKey(ctx, st, m, b, aKey)
	wantCode(t, err, facturo.CodeNotFound, "id")
	_, err = command.RevokeUserKey(ctx, st, m, a, orgKey.Key.ID)
	wantCode(t, err, facturo.CodeNotFound, "id")
	secrets.n = 0
	_, err = command.RotateUserKey(ctx, st, secrets.make, m, a, aKey, 8*24*time.Hour)
	wantCode(t, err, facturo.CodeParameterInvalid, "grace_period_seconds")
	if secrets.n != 0 {
		t.Errorf("%d secrets hashed for a refused rotation", secrets.n)
	}

	k, err := command.RotateUserKey(ctx, st, secrets.make, m, a, aKey, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret.Kind() != auth.KindUser || k.Key.PreviousExpiresAt == nil || !k.Key.PreviousExpiresAt.Equal(m.Now.Add(time.Hour)) {
		t.Errorf("rotated user key %+v, secret kind %v", k.Key, k.Secret.Kind())
	}
	if _, err := command.RevokeUserKey(ctx, st, m, a, aKey); err != nil {
		t.Fatal(err)
	}
	_, err = command.RevokeUserKey(ctx, st, m, a, aKey)
	wantCode(t, err, facturo.CodeInvalidState, "")
}
