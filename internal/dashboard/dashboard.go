// Package dashboard is Facturo's developer dashboard: server-rendered HTML
// pages at /dashboard over the same commands, stores and authentication as
// the API (internal/command, internal/postgres, httpapi.Authenticator).
// A user signs in with their user key, which is kept only in an HttpOnly,
// SameSite=Strict cookie; every form carries a CSRF token derived from it.
// It is HTML, not API: its routes are not in the OpenAPI document.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks"
)

// Prefix is where the dashboard is served.
const Prefix = "/dashboard"

// Deps are the services the dashboard uses: the API's own.
type Deps struct {
	Log       *slog.Logger
	Auth      *httpapi.Authenticator
	Store     *postgres.EventStore
	Accounts  *postgres.AccountStore
	Activity  *postgres.ActivityStore
	Documents *postgres.DocumentStore
	Webhooks  *postgres.WebhookStore
	// WebhookPolicy decides which webhook URLs may be registered: the
	// API's (the SSRF guard with FACTURO_WEBHOOK_ALLOW_NETS).
	WebhookPolicy webhooks.AddressPolicy
	PDF           PDFs // the API's renderer (pdf.Renderer); nil: no PDF links
	BcryptCost    int  // key hashing cost, as the API's
	Now           func() time.Time
}

// PDFs renders a document of a tenant as the API's /pdf routes do
// (version 0: now); another tenant's document is not found.
type PDFs interface {
	PDF(ctx context.Context, t facturo.Tenant, kind, id string, version int64) (filename string, body []byte, err error)
}

// Dashboard serves the pages.
type Dashboard struct {
	Deps
	commands command.Store
	pages    *pages
	mux      *http.ServeMux
}

// New builds the dashboard and its routes.
func New(d Deps) (*Dashboard, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Dashboard{Deps: d, commands: d.Store.Commands(), pages: p, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// ServeHTTP serves every path under Prefix.
func (s *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	s.mux.ServeHTTP(w, r)
}

func (s *Dashboard) routes() {
	m := s.mux
	m.HandleFunc("GET "+Prefix+"/static/{file}", serveStatic)
	m.HandleFunc("GET "+Prefix+"/signin", s.signInPage)
	m.HandleFunc("POST "+Prefix+"/signin", s.signIn)
	m.HandleFunc("POST "+Prefix+"/signout", s.signedIn(s.signOut))
	m.HandleFunc("GET "+Prefix+"/{$}", s.signedIn(s.home))
	m.HandleFunc("GET "+Prefix, s.signedIn(s.home))
	m.HandleFunc("GET "+Prefix+"/organizations", s.signedIn(s.organizations))
	m.HandleFunc("POST "+Prefix+"/organizations", s.signedIn(s.createOrganization))
	m.HandleFunc("GET "+Prefix+"/organizations/{org}", s.signedIn(s.organization))
	s.keyRoutes()
	s.eventRoutes()
	s.webhookRoutes()
	s.documentRoutes()
	m.HandleFunc(Prefix+"/", s.signedIn(func(w http.ResponseWriter, r *http.Request, ss *session) error {
		return facturo.Errorf(facturo.CodeRouteNotFound, "There is no dashboard page at %s.", r.URL.Path)
	}))
}

// home sends a signed-in user to their organizations.
func (s *Dashboard) home(w http.ResponseWriter, r *http.Request, _ *session) error {
	http.Redirect(w, r, Prefix+"/organizations", http.StatusSeeOther)
	return nil
}
