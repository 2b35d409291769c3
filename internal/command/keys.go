package command

import (
	"context"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/id"
)

// NewKey is a key with a new secret (created or rotated), shown only in
// the answer of that command.
type NewKey struct {
	Key    *accounts.APIKey
	Secret auth.Token
}

// CreateKey makes a live or test key of an organization userID owns.
func CreateKey(ctx context.Context, st Store, secrets Secrets, userID string, m Meta, orgID string, in accounts.KeyInput) (NewKey, error) {
	if _, err := OwnedOrganization(ctx, st, userID, orgID); err != nil {
		return NewKey{}, err
	}
	// Everything is validated before the secret is hashed (see CheckOrgKey).
	livemode, err := accounts.CheckOrgKey(in, m.Now)
	if err != nil {
		return NewKey{}, err
	}
	kind := auth.KindTest
	if livemode {
		kind = auth.KindLive
	}
	tok, hash, err := secrets(kind)
	if err != nil {
		return NewKey{}, err
	}
	drafts, err := accounts.NewOrgKey(orgID, in, tok, hash, m.Now)
	if err != nil {
		return NewKey{}, err
	}
	return run(ctx, st, m, func(tx Tx) (NewKey, error) {
		created, err := tx.Append(ctx, events.Stream{ID: id.New(id.Key), OrgID: orgID, Livemode: livemode}, 0, drafts...)
		if err != nil {
			return NewKey{}, err
		}
		k, err := accounts.FoldAPIKey(created)
		return NewKey{Key: k, Secret: tok}, err
	})
}

// OwnedKey reads a key of an organization userID owns; any other reads as
// not found, and so does an id of another kind (never folded as a key).
func OwnedKey(ctx context.Context, st Store, userID, orgID, keyID string) (*accounts.APIKey, error) {
	if _, err := OwnedOrganization(ctx, st, userID, orgID); err != nil {
		return nil, err
	}
	if !id.Has(keyID, id.Key) {
		return nil, facturo.NotFound("api_key", keyID)
	}
	for _, live := range []bool{true, false} {
		history, err := st.Load(ctx, events.Stream{ID: keyID, OrgID: orgID, Livemode: live})
		if err != nil {
			return nil, err
		}
		if len(history) > 0 && history[0].Type == events.KeyCreated {
			return accounts.FoldAPIKey(history)
		}
	}
	return nil, facturo.NotFound("api_key", keyID)
}

// UpdateKey changes a key's name, scopes, allowlist or expiry.
func UpdateKey(ctx context.Context, st Store, userID string, m Meta, orgID, keyID string, p accounts.KeyPatch) (*accounts.APIKey, error) {
	return changeKey(ctx, st, userID, m, orgID, keyID, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Update(p, m.Now)
	})
}

// RevokeKey revokes a key at once.
func RevokeKey(ctx context.Context, st Store, userID string, m Meta, orgID, keyID string) (*accounts.APIKey, error) {
	return changeKey(ctx, st, userID, m, orgID, keyID, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Revoke(m.Now)
	})
}

// RotateKey gives a key a new secret; the old one keeps working for grace.
// The secret is hashed (bcrypt) before the command's transaction, not in
// it; the decision is taken again on the state the transaction reads.
func RotateKey(ctx context.Context, st Store, secrets Secrets, userID string, m Meta, orgID, keyID string, grace time.Duration) (NewKey, error) {
	cur, err := OwnedKey(ctx, st, userID, orgID, keyID)
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
	return changeKeyAs(ctx, st, userID, m, orgID, keyID, func(k *accounts.APIKey) ([]events.Draft, error) {
		return k.Rotate(tok, hash, grace, m.Now)
	}, func(k *accounts.APIKey) NewKey { return NewKey{Key: k, Secret: tok} })
}

// changeKey reads a key of an organization userID owns (not found
// otherwise) and decides on its current state at the version read.
func changeKey(ctx context.Context, st Store, userID string, m Meta, orgID, keyID string, decide func(*accounts.APIKey) ([]events.Draft, error)) (*accounts.APIKey, error) {
	return changeKeyAs(ctx, st, userID, m, orgID, keyID, decide, func(k *accounts.APIKey) *accounts.APIKey { return k })
}

// changeKeyAs is changeKey for a command whose result is result(the key
// after the change).
func changeKeyAs[Out any](ctx context.Context, st Store, userID string, m Meta, orgID, keyID string, decide func(*accounts.APIKey) ([]events.Draft, error), result func(*accounts.APIKey) Out) (Out, error) {
	k, err := OwnedKey(ctx, st, userID, orgID, keyID)
	if err != nil {
		var zero Out
		return zero, err
	}
	return decideOnKey(ctx, st, m, events.Stream{ID: k.ID, OrgID: k.OrgID, Livemode: k.Livemode}, nil, decide, result)
}

// decideOnKey folds the key stream st in one transaction, lets check
// refuse the key (nil: no check), decides on it, appends at the version
// read and returns result(the key after the change) through run, so the
// idempotency claim records it as the answer.
func decideOnKey[Out any](ctx context.Context, st Store, m Meta, stream events.Stream, check func(*accounts.APIKey) error,
	decide func(*accounts.APIKey) ([]events.Draft, error), result func(*accounts.APIKey) Out) (Out, error) {
	return run(ctx, st, m, func(tx Tx) (Out, error) {
		var zero Out
		all, err := appendDecided(ctx, tx, stream, func(history []events.Event) ([]events.Draft, error) {
			cur, err := accounts.FoldAPIKey(history)
			if err != nil {
				return nil, err
			}
			if check != nil {
				if err := check(cur); err != nil {
					return nil, err
				}
			}
			return decide(cur)
		})
		if err != nil {
			return zero, err
		}
		after, err := accounts.FoldAPIKey(all)
		if err != nil {
			return zero, err
		}
		return result(after), nil
	})
}
