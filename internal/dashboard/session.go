package dashboard

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/httpapi"
)

// The session is the user key itself, in a cookie that scripts cannot
// read (HttpOnly), that no other site's request carries (SameSite=Strict)
// and that only HTTPS carries when the dashboard is served over TLS. The
// key is authenticated on every request through the API's Authenticator,
// so revoking, disabling, expiring or rotating it (after its grace) ends
// the session at once, and the IP allowlist and lockout apply.
const (
	sessionCookie = "facturo_session"
	// signinCookie holds the random token the sign-in form must echo (a
	// double-submit token: the form has no session to derive one from).
	signinCookie = "facturo_signin"
	// revealCookie carries a new key's secret, sealed with the session, to
	// the one page that shows it (see reveal).
	revealCookie = "facturo_reveal"
	sessionAge   = 12 * time.Hour
	csrfField    = "csrf"
	maxFormBytes = 64 << 10
)

// session is a signed-in user.
type session struct {
	key  string
	who  httpapi.Principal
	csrf string // the token every form of this session carries
}

// derive is HMAC-SHA256 of purpose under the session key: a value only the
// holder of the key (the browser, through the cookie) and the server can
// compute, the same in every API process.
func derive(key, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("facturo dashboard " + purpose))
	return m.Sum(nil)
}

func csrfToken(key string) string {
	return base64.RawURLEncoding.EncodeToString(derive(key, "csrf"))
}

// setCookie writes a dashboard cookie: HttpOnly, SameSite=Strict, Secure
// when the request came over TLS. age < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, age time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(age / time.Second)}
	if age < 0 {
		c.MaxAge, c.Value = -1, ""
	}
	http.SetCookie(w, c)
}

var errNoSession = errors.New("no session")

// session authenticates the session cookie as a user key.
func (s *Dashboard) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	p, err := s.Auth.AuthenticateKey(r, c.Value, httpapi.AuthUser)
	if err != nil {
		return nil, err
	}
	return &session{key: c.Value, who: p, csrf: csrfToken(c.Value)}, nil
}

// handler is a page of a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, ss *session) error

// signedIn runs fn for a signed-in user. Without a session it sends the
// browser to the sign-in page; with one that no longer authenticates it
// shows why there and forgets the cookie. A POST must carry the session's
// CSRF token (403 otherwise, before anything runs).
func (s *Dashboard) signedIn(fn handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.session(r)
		if errors.Is(err, errNoSession) {
			http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
			return
		}
		if err != nil {
			setCookie(w, r, sessionCookie, "", -1)
			s.refuseSignIn(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := checkForm(w, r, ss.csrf); err != nil {
				s.fail(w, r, ss, err)
				return
			}
		}
		if err := fn(w, r, ss); err != nil {
			s.fail(w, r, ss, err)
		}
	}
}

// errCSRF refuses a form without the session's token.
var errCSRF = facturo.Errorf(facturo.CodeCSRFTokenInvalid, "This form has expired or did not come from the dashboard; reload the page and try again.")

// checkForm parses a POST form (bounded) and checks its CSRF token.
func checkForm(w http.ResponseWriter, r *http.Request, want string) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The form could not be read.")
	}
	got := r.PostForm.Get(csrfField)
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

func (s *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, err := s.session(r); err == nil {
		http.Redirect(w, r, Prefix+"/organizations", http.StatusSeeOther)
		return
	}
	s.renderSignIn(w, r, http.StatusOK, "")
}

// refuseSignIn shows the sign-in form with why err refused the key, the
// API's status and, for a lockout, its Retry-After.
func (s *Dashboard) refuseSignIn(w http.ResponseWriter, r *http.Request, err error) {
	var e *facturo.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	s.renderSignIn(w, r, httpapi.ErrorStatus(err), message(err))
}

// renderSignIn shows the sign-in form with a fresh double-submit token.
func (s *Dashboard) renderSignIn(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomToken()
	setCookie(w, r, signinCookie, tok, time.Hour)
	s.render(w, r, status, "signin", view{Title: "Sign in", CSRF: tok, Error: msg})
}

// signIn checks the key like the API would and keeps it in the session
// cookie. The key goes nowhere else: not in the redirect, not in a page.
func (s *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(signinCookie)
	want := ""
	if err == nil {
		want = c.Value
	}
	if err := checkForm(w, r, want); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if key == "" {
		s.renderSignIn(w, r, http.StatusBadRequest, "Paste your user key (fact_user_...).")
		return
	}
	if _, err := s.Auth.AuthenticateKey(r, key, httpapi.AuthUser); err != nil {
		s.refuseSignIn(w, r, err)
		return
	}
	setCookie(w, r, signinCookie, "", -1)
	setCookie(w, r, sessionCookie, key, sessionAge)
	http.Redirect(w, r, Prefix+"/organizations", http.StatusSeeOther)
}

func (s *Dashboard) signOut(w http.ResponseWriter, r *http.Request, _ *session) error {
	setCookie(w, r, sessionCookie, "", -1)
	setCookie(w, r, revealCookie, "", -1)
	http.Redirect(w, r, Prefix+"/signin", http.StatusSeeOther)
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// A new key's secret is shown once, on the page the create or rotate form
// redirects to (so that a reload never posts the form again). It travels
// there in a cookie sealed with a key derived from the session (AES-GCM),
// bound to the key id, that lives two minutes and that the page deletes
// as it shows it: reload, and the secret is gone.

func (ss *session) seal(keyID, secret string) string {
	aead := ss.aead()
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), []byte(keyID)))
}

func (ss *session) open(keyID, sealed string) (string, bool) {
	aead := ss.aead()
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return "", false
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(keyID))
	return string(plain), err == nil
}

func (ss *session) aead() cipher.AEAD {
	block, _ := aes.NewCipher(derive(ss.key, "reveal")) // 32 bytes: AES-256, never an error
	aead, _ := cipher.NewGCM(block)
	return aead
}

// reveal hands secret to the next page showing keyID.
func (s *Dashboard) reveal(w http.ResponseWriter, r *http.Request, ss *session, keyID, secret string) {
	setCookie(w, r, revealCookie, ss.seal(keyID, secret), 2*time.Minute)
}

// revealed takes the secret handed to keyID's page, if any, and deletes
// the cookie whatever it held.
func (s *Dashboard) revealed(w http.ResponseWriter, r *http.Request, ss *session, keyID string) string {
	c, err := r.Cookie(revealCookie)
	if err != nil {
		return ""
	}
	setCookie(w, r, revealCookie, "", -1)
	secret, ok := ss.open(keyID, c.Value)
	if !ok {
		return ""
	}
	return secret
}
