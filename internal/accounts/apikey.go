package accounts

import (
	"slices"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/auth"
)

// Key kinds.
const (
	KindUser = "user" // fact_user_: manages a user's organizations
	KindOrg  = "org"  // fact_live_ / fact_test_: works on one organization's data in one mode
)

// MaxAllowlist bounds the entries of a key's IP allowlist, which every
// authentication with the key checks.
const MaxAllowlist = 100

// Rotation grace periods: how long a rotated-out secret keeps working.
const (
	DefaultGracePeriod = 24 * time.Hour
	MaxGracePeriod     = 7 * 24 * time.Hour
)

// APIKey is a key's state. Hash and PreviousHash are bcrypt hashes; the
// secret itself is never stored.
type APIKey struct {
	ID                string
	Kind              string
	UserID            string
	OrgID             string
	Livemode          bool
	Name              string
	Prefix            string
	Hash              []byte
	PreviousPrefix    string
	PreviousHash      []byte
	PreviousExpiresAt *time.Time
	Scopes            []string
	IPAllowlist       []string
	Enabled           bool
	ExpiresAt         *time.Time
	RevokedAt         *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int
}

// Exists reports whether the stream had any event.
func (k *APIKey) Exists() bool { return k.Version > 0 }

// KeyInput creates an organization key.
type KeyInput struct {
	Name        string     `json:"name" facturo:"max=100"`
	Mode        string     `json:"mode" facturo:"required;enum=live|test"`
	Scopes      []string   `json:"scopes"`
	ExpiresAt   *time.Time `json:"expires_at"`
	IPAllowlist []string   `json:"ip_allowlist" facturo:"max=100"`
}

// KeyPatch changes a key; nil fields stay as they are, and expires_at
// sent as null removes the expiry.
type KeyPatch struct {
	Name        *string    `json:"name" facturo:"max=100"`
	Scopes      *[]string  `json:"scopes"`
	ExpiresAt   *time.Time `json:"expires_at"`
	IPAllowlist *[]string  `json:"ip_allowlist" facturo:"max=100"`
	Enabled     *bool      `json:"enabled"`

	ClearExpiresAt bool `json:"-"` // expires_at was null
}

// SetNull records a field sent as null (the request decoder calls it).
func (p *KeyPatch) SetNull(field string) {
	if field == "expires_at" {
		p.ClearExpiresAt = true
	}
}

// KeyCreated is the data of key.created. The hash is private: stripped from
// every public rendering of the event.
type KeyCreated struct {
	Kind        string     `json:"kind"`
	UserID      string     `json:"user_id,omitempty"`
	OrgID       string     `json:"org_id,omitempty"`
	Livemode    bool       `json:"livemode"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Hash        []byte     `json:"secret_hash"`
	Scopes      []string   `json:"scopes"`
	IPAllowlist []string   `json:"ip_allowlist"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// KeyUpdated is the data of key.updated: the settings after the change.
type KeyUpdated struct {
	Name        string     `json:"name"`
	Scopes      []string   `json:"scopes"`
	IPAllowlist []string   `json:"ip_allowlist"`
	ExpiresAt   *time.Time `json:"expires_at"`
	Enabled     bool       `json:"enabled"`
}

// KeyRotated is the data of key.rotated.
type KeyRotated struct {
	Prefix            string    `json:"prefix"`
	Hash              []byte    `json:"secret_hash"`
	PreviousPrefix    string    `json:"previous_prefix"`
	PreviousExpiresAt time.Time `json:"previous_expires_at"`
}

// KeyRevoked is the data of key.revoked.
type KeyRevoked struct {
	RevokedAt time.Time `json:"revoked_at"`
}

// NewUserKey decides the key.created of a user's secret key.
func NewUserKey(userID string, tok auth.Token, hash []byte) []events.Draft {
	return []events.Draft{{Type: events.KeyCreated, Data: KeyCreated{
		Kind: KindUser, UserID: userID, Livemode: true, Name: "secret key",
		Prefix: tok.Prefix(), Hash: hash, Scopes: []string{auth.ScopeAll}, IPAllowlist: []string{},
	}}}
}

// ParseMode reads the mode of a new organization key.
func ParseMode(mode string) (livemode bool, err error) {
	switch mode {
	case "live":
		return true, nil
	case "test":
		return false, nil
	case "":
		return false, facturo.ParamError(facturo.CodeParameterMissing, "mode", "mode is required: \"live\" or \"test\".")
	}
	return false, facturo.ParamError(facturo.CodeParameterInvalid, "mode", "mode must be \"live\" or \"test\".")
}

// CheckOrgKey validates every field of a new organization key and returns
// its mode. Callers run it before generating and hashing the secret: a
// bcrypt hash costs about a second of CPU at cost 12, and bad input must
// not buy one.
func CheckOrgKey(in KeyInput, now time.Time) (livemode bool, err error) {
	if livemode, err = ParseMode(in.Mode); err != nil {
		return false, err
	}
	_, err = keySettings(in.Name, in.Scopes, in.IPAllowlist, in.ExpiresAt, now)
	return livemode, err
}

// NewOrgKey decides the key.created of an organization key whose secret tok
// the caller generated (in the mode CheckOrgKey read) and hashed.
func NewOrgKey(orgID string, in KeyInput, tok auth.Token, hash []byte, now time.Time) ([]events.Draft, error) {
	settings, err := keySettings(in.Name, in.Scopes, in.IPAllowlist, in.ExpiresAt, now)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Type: events.KeyCreated, Data: KeyCreated{
		Kind: KindOrg, OrgID: orgID, Livemode: tok.Livemode(), Name: settings.Name,
		Prefix: tok.Prefix(), Hash: hash, Scopes: settings.Scopes, IPAllowlist: settings.IPAllowlist,
		ExpiresAt: settings.ExpiresAt,
	}}}, nil
}

func keySettings(name string, scopes, allow []string, expires *time.Time, now time.Time) (KeyUpdated, error) {
	var s KeyUpdated
	var err error
	if s.Name, err = optionalText("name", name, 100); err != nil {
		return s, err
	}
	if scopes == nil {
		scopes = []string{auth.ScopeAll}
	}
	sc, err := auth.ParseScopes(scopes)
	if err != nil {
		return s, err
	}
	s.Scopes = sc.Strings()
	if len(allow) > MaxAllowlist {
		return s, facturo.ParamError(facturo.CodeParameterInvalid, "ip_allowlist",
			"ip_allowlist may hold at most %d entries.", MaxAllowlist)
	}
	al, err := auth.ParseAllowlist(allow)
	if err != nil {
		return s, err
	}
	s.IPAllowlist = al.Strings()
	if expires != nil {
		if !expires.After(now) {
			return s, facturo.ParamError(facturo.CodeParameterInvalid, "expires_at", "expires_at must be in the future.")
		}
		t := expires.UTC().Truncate(time.Second)
		s.ExpiresAt = &t
	}
	s.Enabled = true
	return s, nil
}

// Update decides key.updated, or nothing if nothing changes.
func (k *APIKey) Update(p KeyPatch, now time.Time) ([]events.Draft, error) {
	if err := k.mustBeActive(); err != nil {
		return nil, err
	}
	// An unchanged expiry is not validated again: a key past its expiry can
	// still be renamed, disabled or given a new expiry.
	name, scopes, allow, expires := k.Name, k.Scopes, k.IPAllowlist, (*time.Time)(nil)
	if p.Name != nil {
		name = *p.Name
	}
	if p.Scopes != nil {
		scopes = *p.Scopes
	}
	if p.IPAllowlist != nil {
		allow = *p.IPAllowlist
	}
	if p.ExpiresAt != nil {
		expires = p.ExpiresAt
	}
	s, err := keySettings(name, scopes, allow, expires, now)
	if err != nil {
		return nil, err
	}
	if p.ExpiresAt == nil {
		s.ExpiresAt = k.ExpiresAt
	}
	if p.ClearExpiresAt {
		s.ExpiresAt = nil
	}
	s.Enabled = k.Enabled
	if p.Enabled != nil {
		s.Enabled = *p.Enabled
	}
	if s.equal(k) {
		return nil, nil
	}
	return []events.Draft{{Type: events.KeyUpdated, Data: s}}, nil
}

func (s KeyUpdated) equal(k *APIKey) bool {
	return s.Name == k.Name && s.Enabled == k.Enabled && slices.Equal(s.Scopes, k.Scopes) &&
		slices.Equal(s.IPAllowlist, k.IPAllowlist) && timeEqual(s.ExpiresAt, k.ExpiresAt)
}

func timeEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Rotate decides key.rotated: tok becomes the secret, the current one keeps
// working for grace.
func (k *APIKey) Rotate(tok auth.Token, hash []byte, grace time.Duration, now time.Time) ([]events.Draft, error) {
	if err := k.CanRotate(grace); err != nil {
		return nil, err
	}
	if tok.Kind() != k.SecretKind() {
		return nil, facturo.Errorf(facturo.CodeInternal, "rotation of %s with a %s secret", k.ID, tok.Kind())
	}
	return []events.Draft{{Type: events.KeyRotated, Data: KeyRotated{
		Prefix: tok.Prefix(), Hash: hash, PreviousPrefix: k.Prefix,
		PreviousExpiresAt: now.Add(grace).UTC(),
	}}}, nil
}

// CanRotate reports whether Rotate would accept grace, so that callers can
// refuse a rotation before paying for a new bcrypt hash.
func (k *APIKey) CanRotate(grace time.Duration) error {
	if err := k.mustBeActive(); err != nil {
		return err
	}
	if grace < 0 || grace > MaxGracePeriod {
		return facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds",
			"grace_period_seconds must be between 0 and 604800 (7 days).")
	}
	return nil
}

// SecretKind is the token kind of the key's secrets.
func (k *APIKey) SecretKind() auth.Kind {
	switch {
	case k.Kind == KindUser:
		return auth.KindUser
	case k.Livemode:
		return auth.KindLive
	}
	return auth.KindTest
}

// Revoke decides key.revoked. Revoking is final.
func (k *APIKey) Revoke(now time.Time) ([]events.Draft, error) {
	if err := k.mustBeActive(); err != nil {
		return nil, err
	}
	return []events.Draft{{Type: events.KeyRevoked, Data: KeyRevoked{RevokedAt: now.UTC()}}}, nil
}

func (k *APIKey) mustBeActive() error {
	if k.RevokedAt != nil {
		return facturo.Errorf(facturo.CodeInvalidState, "The key %s is revoked; revoked keys cannot change.", k.ID)
	}
	return nil
}

// FoldAPIKey folds a key stream.
func FoldAPIKey(history []events.Event) (*APIKey, error) {
	k := &APIKey{}
	for _, e := range history {
		if err := k.apply(e); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *APIKey) apply(e events.Event) error {
	switch e.Type {
	case events.KeyCreated:
		var d KeyCreated
		if err := e.Decode(&d); err != nil {
			return err
		}
		*k = APIKey{ID: e.StreamID, Kind: d.Kind, UserID: d.UserID, OrgID: d.OrgID, Livemode: d.Livemode,
			Name: d.Name, Prefix: d.Prefix, Hash: d.Hash, Scopes: storedScopes(d.Scopes), IPAllowlist: d.IPAllowlist,
			ExpiresAt: d.ExpiresAt, Enabled: true, CreatedAt: e.CreatedAt}
	case events.KeyUpdated:
		var d KeyUpdated
		if err := e.Decode(&d); err != nil {
			return err
		}
		k.Name, k.Scopes, k.IPAllowlist, k.ExpiresAt, k.Enabled = d.Name, storedScopes(d.Scopes), d.IPAllowlist, d.ExpiresAt, d.Enabled
	case events.KeyRotated:
		var d KeyRotated
		if err := e.Decode(&d); err != nil {
			return err
		}
		k.PreviousPrefix, k.PreviousHash = k.Prefix, k.Hash
		k.PreviousExpiresAt = &d.PreviousExpiresAt
		k.Prefix, k.Hash = d.Prefix, d.Hash
	case events.KeyRevoked:
		var d KeyRevoked
		if err := e.Decode(&d); err != nil {
			return err
		}
		k.RevokedAt = &d.RevokedAt
	}
	k.UpdatedAt = e.CreatedAt
	k.Version = e.StreamVersion
	return nil
}

// storedScopes reads the scopes an event recorded: a scope that has left
// the catalogue since (auth.StoredScopes) granted nothing and is dropped, so
// the key reads, changes and authenticates as if it never had it.
func storedScopes(list []string) []string {
	return auth.StoredScopes(list).Strings()
}

// KeyView is the public JSON of a key: never the secret or its hash.
type KeyView struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"`
	Livemode    bool       `json:"livemode"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Scopes      []string   `json:"scopes"`
	IPAllowlist []string   `json:"ip_allowlist"`
	Enabled     bool       `json:"enabled"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at"`
	// Secret is set only in the answer to a create or rotate.
	Secret string `json:"secret,omitempty"`
}

// View returns the public representation.
func (k *APIKey) View() KeyView {
	return KeyView{ID: k.ID, Object: "api_key", Livemode: k.Livemode, Name: k.Name, Prefix: k.Prefix,
		Scopes: k.Scopes, IPAllowlist: k.IPAllowlist, Enabled: k.Enabled, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}
