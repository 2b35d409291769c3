package command

import (
	"context"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
)

// A user's secret key has the lifecycle of an organization key: it can be
// rotated with a grace period and revoked, by the user itself or by the
// operator. Its events are the same key events (key.rotated, key.revoked)
// on the key's stream, which has no organization, so the accounts and
// audit projections and every process's cache listener treat them as they
// treat any key.

// User reads a user; a missing one is not found.
func User(ctx context.Context, st Store, userID string) (*accounts.User, error) {
	history, err := st.Load(ctx, accountStream(userID, ""))
	if err != nil {
		return nil, err
	}
	u, err := accounts.FoldUser(history)
	if err != nil {
		return nil, err
	}
	if !u.Exists() {
		return nil, facturo.NotFound("user", userID)
	}
	return u, nil
}

// UserKey reads a secret key of userID; an organization key, another
// user's key or a missing one reads as not found.
func UserKey(ctx context.Context, st Store, userID, keyID string) (*accounts.APIKey, error) {
	history, err := st.Load(ctx, accountStream(keyID, ""))
	if err != nil {
		return nil, err
	}
	k, err := accounts.FoldAPIKey(history)
	if err != nil {
		return nil, err
	}
	if !k.Exists() || k.Kind != accounts.KindUser || k.UserID != userID {
		return nil, facturo.NotFound("api_key", keyID)
	}
	return k, nil
}

// RotateUserKey gives a user's key a new secret; the old one keeps working
// for grace. As for organization keys, the input is checked before the new
// secret is hashed, and the decision taken again in the transaction.
func RotateUserKey(ctx context.Context, st Store, secrets Secrets, m Meta, userID, keyID string, grace time.Duration) (NewKey, error) {
	cur, err := UserKey(ctx, st, userID, keyID)
	if err != nil {
		return NewKey{}, err
	}
	if err := cur.CanRotate(grace); err != nil {
		return NewKey{}, err
	}
	tok, hash, err := secrets(cur.SecretKind())
	if err != nil {
		return NewKey{}, err
	}
	return changeUserKeyAs(ctx, st, m, userID, keyID, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Rotate(tok, hash, grace, m.Now)
	}, func(k *accounts.APIKey) NewKey { return NewKey{Key: k, Secret: tok} })
}

// RevokeUserKey revokes a user's key at once, for good.
func RevokeUserKey(ctx context.Context, st Store, m Meta, userID, keyID string) (*accounts.APIKey, error) {
	return changeUserKey(ctx, st, m, userID, keyID, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Revoke(m.Now)
	})
}

func changeUserKey(ctx context.Context, st Store, m Meta, userID, keyID string, decide func(*accounts.APIKey) ([]events.Draft, error)) (*accounts.APIKey, error) {
	return changeUserKeyAs(ctx, st, m, userID, keyID, decide, func(k *accounts.APIKey) *accounts.APIKey { return k })
}

// changeUserKeyAs decides on userID's own key keyID (not found for any
// other key) and answers result(the key after the change).
func changeUserKeyAs[Out any](ctx context.Context, st Store, m Meta, userID, keyID string, decide func(*accounts.APIKey) ([]events.Draft, error), result func(*accounts.APIKey) Out) (Out, error) {
	owned := func(k *accounts.APIKey) error {
		if !k.Exists() || k.Kind != accounts.KindUser || k.UserID != userID {
			return facturo.NotFound("api_key", keyID)
		}
		return nil
	}
	return decideOnKey(ctx, st, m, accountStream(keyID, ""), owned, decide, result)
}
