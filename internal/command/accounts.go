package command

import (
	"context"
	"sync"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/jurisdiction"
)

// Account commands act for a user (organizations, their keys) or the
// operator (users, API access), not for an organization mode: their
// streams are recorded as live.

// Secrets makes a key secret of a kind and its hash (bcrypt, at the cost
// the process is configured with).
type Secrets func(kind auth.Kind) (auth.Token, []byte, error)

// accountStream names a stream outside the test/live split.
func accountStream(streamID, orgID string) events.Stream {
	return events.Stream{ID: streamID, OrgID: orgID, Livemode: true}
}

// NewUser is a created user with its secret key, shown only once.
type NewUser struct {
	User   *accounts.User
	Secret auth.Token
}

// CreateUser makes a user and its secret key, in one transaction.
func CreateUser(ctx context.Context, st Store, secrets Secrets, m Meta, in accounts.UserInput) (NewUser, error) {
	drafts, err := accounts.NewUser(in)
	if err != nil {
		return NewUser{}, err
	}
	tok, hash, err := secrets(auth.KindUser)
	if err != nil {
		return NewUser{}, err
	}
	userID, keyID := id.New(id.User), id.New(id.Key)
	return run(ctx, st, m, func(tx Tx) (NewUser, error) {
		added, err := tx.Append(ctx, accountStream(userID, ""), 0, drafts...)
		if err != nil {
			return NewUser{}, err
		}
		user, err := accounts.FoldUser(added)
		if err != nil {
			return NewUser{}, err
		}
		_, err = tx.Append(ctx, accountStream(keyID, ""), 0, accounts.NewUserKey(userID, tok, hash)...)
		return NewUser{User: user, Secret: tok}, err
	})
}

// CreateOrganization makes an organization owned by userID.
func CreateOrganization(ctx context.Context, st Store, userID string, m Meta, in accounts.OrganizationInput) (*accounts.Organization, error) {
	drafts, err := accounts.NewOrganization(userID, in)
	if err != nil {
		return nil, err
	}
	orgID := id.New(id.Organization)
	return run(ctx, st, m, func(tx Tx) (*accounts.Organization, error) {
		created, err := tx.Append(ctx, accountStream(orgID, orgID), 0, drafts...)
		if err != nil {
			return nil, err
		}
		return accounts.FoldOrganization(created)
	})
}

// UpdateOrganization applies a patch to an organization userID owns.
func UpdateOrganization(ctx context.Context, st Store, userID string, m Meta, orgID string, p accounts.OrganizationPatch) (*accounts.Organization, error) {
	return changeOrganization(ctx, st, m, orgID, func(o *accounts.Organization) ([]events.Draft, error) {
		if err := o.OwnedBy(userID, orgID); err != nil {
			return nil, err
		}
		return o.Update(p)
	})
}

// SetOrganizationLogo replaces the logo of an organization userID owns:
// the bytes are kept by digest and organization.logo_updated names them,
// in one transaction. Bad bytes are refused before anything is read.
func SetOrganizationLogo(ctx context.Context, st Store, userID string, m Meta, orgID string, data []byte) (*accounts.Organization, error) {
	l, err := accounts.ParseLogo(data)
	if err != nil {
		return nil, err
	}
	if !id.Has(orgID, id.Organization) {
		return nil, facturo.NotFound("organization", orgID)
	}
	return run(ctx, st, m, func(tx Tx) (*accounts.Organization, error) {
		all, err := appendDecided(ctx, tx, accountStream(orgID, orgID), func(history []events.Event) ([]events.Draft, error) {
			o, err := foldOrganization(orgID, history)
			if err != nil {
				return nil, err
			}
			if err := o.OwnedBy(userID, orgID); err != nil {
				return nil, err
			}
			return o.SetLogo(l), nil
		})
		if err != nil {
			return nil, err
		}
		if err := tx.KeepLogo(ctx, orgID, l, data); err != nil {
			return nil, err
		}
		return accounts.FoldOrganization(all)
	})
}

// SetOrganizationAccess disables or enables an organization's API access
// (the operator's command).
func SetOrganizationAccess(ctx context.Context, st Store, m Meta, orgID string, disabled bool) (*accounts.Organization, error) {
	return changeOrganization(ctx, st, m, orgID, func(o *accounts.Organization) ([]events.Draft, error) {
		if !o.Exists() {
			return nil, facturo.NotFound("organization", orgID)
		}
		return o.SetAPIDisabled(disabled), nil
	})
}

func changeOrganization(ctx context.Context, st Store, m Meta, orgID string, decide func(*accounts.Organization) ([]events.Draft, error)) (*accounts.Organization, error) {
	if !id.Has(orgID, id.Organization) {
		return nil, facturo.NotFound("organization", orgID)
	}
	return run(ctx, st, m, func(tx Tx) (*accounts.Organization, error) {
		all, err := appendDecided(ctx, tx, accountStream(orgID, orgID), func(history []events.Event) ([]events.Draft, error) {
			o, err := foldOrganization(orgID, history)
			if err != nil {
				return nil, err
			}
			return decide(o)
		})
		if err != nil {
			return nil, err
		}
		return accounts.FoldOrganization(all)
	})
}

// appendDecided loads a stream, lets decide choose on its history and
// appends that at the version read; it returns the whole stream after.
func appendDecided(ctx context.Context, tx Tx, st events.Stream, decide func([]events.Event) ([]events.Draft, error)) ([]events.Event, error) {
	history, err := tx.Load(ctx, st)
	if err != nil {
		return nil, err
	}
	drafts, err := decide(history)
	if err != nil {
		return nil, err
	}
	added, err := tx.Append(ctx, st, len(history), drafts...)
	if err != nil {
		return nil, err
	}
	return append(history, added...), nil
}

// OwnedOrganization reads an organization userID owns; any other reads as
// not found.
func OwnedOrganization(ctx context.Context, st Store, userID, orgID string) (*accounts.Organization, error) {
	if !id.Has(orgID, id.Organization) {
		return nil, facturo.NotFound("organization", orgID)
	}
	history, err := st.Load(ctx, accountStream(orgID, orgID))
	if err != nil {
		return nil, err
	}
	o, err := foldOrganization(orgID, history)
	if err != nil {
		return nil, err
	}
	if err := o.OwnedBy(userID, orgID); err != nil {
		return nil, err
	}
	return o, nil
}

// foldOrganization folds an organization's stream; a stream that does not
// start with organization.created is another kind of object: not found.
func foldOrganization(orgID string, history []events.Event) (*accounts.Organization, error) {
	if len(history) > 0 && history[0].Type != events.OrganizationCreated {
		return nil, facturo.NotFound("organization", orgID)
	}
	return accounts.FoldOrganization(history)
}

// Country is the jurisdiction of the tenant's organization, read in tx:
// the country its documents follow. It never changes once the
// organization exists, so reading it takes no lock, and a process reads
// it once per organization (tx.Countries): every invoice written or
// issued asks. An organization whose stream records no country (created
// before countries existed, or, in tests of commands, never created)
// follows the default, MX; one not created yet is not remembered.
func Country(ctx context.Context, tx Tx, t facturo.Tenant) (jurisdiction.Country, error) {
	known := &tx.Countries().byOrg
	if c, ok := known.Load(t.OrgID); ok {
		return c.(jurisdiction.Country), nil
	}
	history, err := tx.Load(ctx, accountStream(t.OrgID, t.OrgID))
	if err != nil {
		return "", err
	}
	o, err := foldOrganization(t.OrgID, history)
	if err != nil {
		return "", err
	}
	c := o.Country.OrDefault()
	if o.Exists() {
		known.Store(t.OrgID, c)
	}
	return c, nil
}

// Countries are the countries Country read, by organization id: one per
// store, for as long as the process runs (a country never changes).
type Countries struct{ byOrg sync.Map }
