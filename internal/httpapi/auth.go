package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/postgres"
)

// Principal is the authenticated caller.
type Principal struct {
	Auth      Auth
	KeyID     string
	KeyPrefix string
	UserID    string
	Tenant    facturo.Tenant // organization keys only
	Scopes    auth.Scopes
	Allowlist auth.Allowlist
	// ValidUntil bounds a cached entry: the key's expiry, or the end of the
	// grace period when the token is a rotated-out secret.
	ValidUntil *time.Time
	// IP is the client address of the request (not cached: set per
	// request), recorded in the metadata of the events it appends.
	IP netip.Addr
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principal returns the caller of an authenticated route.
func principal(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// tenant returns the organization and mode of an organization key's request.
func tenant(r *http.Request) facturo.Tenant { return principal(r.Context()).Tenant }

// KeyStore is what authentication reads.
type KeyStore interface {
	KeysByPrefix(ctx context.Context, prefix string) ([]postgres.KeyRecord, error)
}

// UsageRecorder hears about every authenticated request and every failure
// (last_used_at batching, activity, audit log). Nil fields are skipped.
type UsageRecorder interface {
	Used(ctx context.Context, keyID string, ip netip.Addr, method, path string, status int, at time.Time)
	Failed(ctx context.Context, ip netip.Addr, prefix, code, requestID string, at time.Time)
}

// Authenticator turns request headers into a Principal.
type Authenticator struct {
	Keys         KeyStore
	Cache        *auth.Cache[Principal]
	Verifier     *auth.Verifier
	Throttle     *auth.Throttle
	AdminKey     string
	Usage        UsageRecorder
	Metrics      *Metrics
	Now          func() time.Time
	TrustProxies bool
}

// NewAuthenticator returns an authenticator with default cache, bcrypt
// bound and throttle.
func NewAuthenticator(store KeyStore, adminKey string) *Authenticator {
	return &Authenticator{
		Keys: store, AdminKey: adminKey, Now: time.Now,
		Cache:    auth.NewCache[Principal](0, 0),
		Verifier: auth.NewVerifier(0),
		Throttle: auth.NewThrottle(auth.ThrottlePolicy{}),
	}
}

// credentialHeaders are the headers a key may be sent in, by precedence.
var credentialHeaders = []string{"Authorization", "X-API-Key", "X-Auth-Token", "Token"}

// credentialQueryNames are the query parameters a key might be sent in,
// which credential refuses with api_key_in_query.
var credentialQueryNames = []string{"api_key", "apikey", "key", "token", "access_token"}

// credential finds the key in the headers, in order of precedence. The
// first of credentialHeaders that is present decides, even when it is
// empty or blank: a bad header of higher precedence is never rescued by a
// good one of lower precedence, and neither is a header sent twice. A key
// in the query string is refused: URLs end up in logs and browser
// histories.
func credential(r *http.Request) (string, error) {
	q := r.URL.Query()
	for _, name := range credentialQueryNames {
		if q.Has(name) {
			return "", facturo.ParamError(facturo.CodeKeyInQuery, name,
				"API keys are not accepted in the query string; send them in the Authorization header.")
		}
	}
	for _, name := range credentialHeaders {
		values, present := r.Header[http.CanonicalHeaderKey(name)]
		if !present {
			continue
		}
		if len(values) != 1 {
			return "", facturo.Errorf(facturo.CodeInvalidAPIKey, "Send the %s header once.", name)
		}
		v := strings.TrimSpace(values[0])
		if name == "Authorization" {
			scheme, tok, ok := strings.Cut(v, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return "", facturo.Errorf(facturo.CodeInvalidAPIKey, "Use \"Authorization: Bearer <key>\".")
			}
			v = strings.TrimSpace(tok)
		}
		if v == "" {
			return "", facturo.Errorf(facturo.CodeInvalidAPIKey, "The %s header is empty.", name)
		}
		return v, nil
	}
	return "", facturo.Errorf(facturo.CodeMissingAPIKey,
		"No API key provided. Send it as \"Authorization: Bearer <key>\" (or X-API-Key).")
}

var errInvalidKey = facturo.Errorf(facturo.CodeInvalidAPIKey, "Invalid API key provided.")

// Authenticate checks the request's key against what the route needs.
func (a *Authenticator) Authenticate(r *http.Request, need Auth) (Principal, error) {
	raw, err := credential(r)
	if err != nil {
		return Principal{}, err
	}
	if need == AuthOperator {
		if a.AdminKey != "" && subtle.ConstantTimeCompare([]byte(raw), []byte(a.AdminKey)) == 1 {
			return Principal{Auth: AuthOperator, Scopes: mustScopes(auth.ScopeAll), IP: clientIP(r, a.TrustProxies)}, nil
		}
		return Principal{}, errInvalidKey
	}
	tok, err := auth.Parse(raw)
	if err != nil {
		// No key to protect, but an IP sending garbage is slowed down like
		// one guessing keys: it counts towards the per-IP limit.
		ip := auth.ClientKey(clientIP(r, a.TrustProxies))
		now := a.Now()
		if wait, blocked := a.Throttle.Check(ip, "", now); blocked {
			return Principal{}, tooManyFailures(wait)
		}
		a.Throttle.Fail(ip, "", now)
		return Principal{}, errInvalidKey
	}
	// The token's prefix tells its kind: a key of the wrong kind for the
	// route is refused before any database or bcrypt work.
	if !fits(authOfKind(tok.Kind()), need) {
		return Principal{}, facturo.Errorf(facturo.CodeInvalidAPIKey, "%s", wrongKeyKind(need))
	}
	p, err := a.verify(r, tok)
	if err != nil {
		return Principal{}, err
	}
	if !fits(p.Auth, need) { // the stored key disagrees with its prefix
		return Principal{}, facturo.Errorf(facturo.CodeInvalidAPIKey, "%s", wrongKeyKind(need))
	}
	p.IP = clientIP(r, a.TrustProxies)
	if !p.Allowlist.Allows(p.IP) {
		return Principal{}, facturo.Errorf(facturo.CodeIPNotAllowed, "This key may not be used from your IP address.")
	}
	return p, nil
}

// authOfKind is who a token of kind k authenticates as.
func authOfKind(k auth.Kind) Auth {
	if k == auth.KindUser {
		return AuthUser
	}
	return AuthOrg
}

// fits reports whether a key that authenticates as got may call a route
// that needs need.
func fits(got, need Auth) bool {
	if need == AuthKey {
		return got == AuthUser || got == AuthOrg
	}
	return got == need
}

func wrongKeyKind(need Auth) string {
	if need == AuthUser {
		return "This endpoint needs a user secret key (fact_user_...)."
	}
	return "This endpoint needs an organization key (fact_live_... or fact_test_...)."
}

// verify finds and checks the key behind tok: from the cache in
// microseconds, or from the database and bcrypt, throttled per IP and prefix.
func (a *Authenticator) verify(r *http.Request, tok auth.Token) (Principal, error) {
	now := a.Now()
	if p, ok := a.Cache.Get(tok); ok {
		if p.ValidUntil == nil || now.Before(*p.ValidUntil) {
			return p, nil
		}
	}
	ip := auth.ClientKey(clientIP(r, a.TrustProxies))
	if wait, blocked := a.Throttle.Check(ip, tok.Prefix(), now); blocked {
		return Principal{}, tooManyFailures(wait)
	}
	epoch := a.Cache.Epoch()
	records, err := a.Keys.KeysByPrefix(r.Context(), tok.Prefix())
	if err != nil {
		return Principal{}, err
	}
	for _, k := range records {
		ok, err := a.Verifier.Compare(r.Context(), k.Hash, tok)
		if err != nil {
			return Principal{}, err
		}
		if !ok {
			continue
		}
		if err := usable(k, now); err != nil {
			return Principal{}, err
		}
		p, err := principalOf(k, tok)
		if err != nil {
			return Principal{}, err
		}
		a.Throttle.Succeed(ip, tok.Prefix(), now)
		a.Cache.Put(epoch, tok, k.ID, p)
		return p, nil
	}
	a.Throttle.Fail(ip, tok.Prefix(), now)
	return Principal{}, errInvalidKey
}

func tooManyFailures(wait time.Duration) error {
	e := facturo.Errorf(facturo.CodeTooManyAuthFailures,
		"Too many failed authentication attempts; retry in %d seconds.", retrySeconds(wait))
	e.RetryAfter = wait
	return e
}

// usable checks a key whose secret verified: only then may the answer say
// more than "invalid".
func usable(k postgres.KeyRecord, now time.Time) error {
	switch {
	case k.RevokedAt != nil:
		return facturo.Errorf(facturo.CodeAPIKeyRevoked, "This API key was revoked.")
	case !k.Enabled:
		return facturo.Errorf(facturo.CodeAPIKeyRevoked, "This API key is disabled.")
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return facturo.Errorf(facturo.CodeAPIKeyRevoked, "This API key expired.")
	case k.Previous && (k.PreviousExpiresAt == nil || !now.Before(*k.PreviousExpiresAt)):
		return facturo.Errorf(facturo.CodeAPIKeyRevoked, "This API key was rotated and its grace period is over.")
	case k.OrgAPIDisabled:
		return facturo.Errorf(facturo.CodeAPIDisabled, "API access is disabled for this organization.")
	}
	return nil
}

func principalOf(k postgres.KeyRecord, tok auth.Token) (Principal, error) {
	// Stored scopes are read leniently: one that left the catalogue granted
	// nothing, and must not lock the key out (auth.StoredScopes).
	scopes := auth.StoredScopes(k.Scopes)
	allow, err := auth.ParseAllowlist(k.IPAllowlist)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{KeyID: k.ID, KeyPrefix: tok.Prefix(), Scopes: scopes, Allowlist: allow, ValidUntil: k.ExpiresAt}
	if k.Previous && (p.ValidUntil == nil || k.PreviousExpiresAt.Before(*p.ValidUntil)) {
		p.ValidUntil = k.PreviousExpiresAt
	}
	switch k.Kind {
	case accounts.KindUser:
		p.Auth, p.UserID = AuthUser, k.UserID
	default:
		p.Auth, p.Tenant = AuthOrg, facturo.Tenant{OrgID: k.OrgID, Livemode: k.Livemode}
	}
	return p, nil
}

func mustScopes(s ...string) auth.Scopes {
	sc, _ := auth.ParseScopes(s)
	return sc
}

// retrySeconds rounds a wait up to whole seconds, as Retry-After needs.
func retrySeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// clientIP is the peer address, or with trusted proxies the first hop of
// X-Forwarded-For.
func clientIP(r *http.Request, trustProxies bool) netip.Addr {
	if trustProxies {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return a.Unmap()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// auditFailure reports a failed authentication to the usage recorder.
func (a *Authenticator) auditFailure(r *http.Request, err error) {
	code := facturo.ErrorCode(err)
	if a.Metrics != nil {
		a.Metrics.AuthFailures.WithLabelValues(code).Inc()
	}
	if a.Usage == nil || code == facturo.CodeMissingAPIKey {
		return
	}
	prefix := ""
	if raw, cerr := credential(r); cerr == nil {
		if tok, perr := auth.Parse(raw); perr == nil {
			prefix = tok.Prefix()
		}
	}
	a.Usage.Failed(r.Context(), clientIP(r, a.TrustProxies), prefix, code, RequestID(r.Context()), a.Now())
}

// recordUse reports an authenticated request once it is handled. err is the
// handler's error, answered after this runs: its status is the one to record.
func (a *Authenticator) recordUse(r *http.Request, p Principal, w http.ResponseWriter, err error) {
	if a.Usage == nil || p.KeyID == "" {
		return
	}
	status := http.StatusOK
	if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
		status = rec.status
	}
	if err != nil {
		status = errorStatus(err)
	}
	a.Usage.Used(r.Context(), p.KeyID, clientIP(r, a.TrustProxies), r.Method, r.URL.Path, status, a.Now())
}

// errorStatus is the HTTP status writeError answers err with.
func errorStatus(err error) int {
	var appErr *facturo.Error
	if !errors.As(err, &appErr) {
		return http.StatusInternalServerError
	}
	if m, ok := errorTable[appErr.Code]; ok {
		return m.status
	}
	return http.StatusInternalServerError
}
