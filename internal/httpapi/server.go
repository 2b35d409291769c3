// Package httpapi is Facturo's REST API over HTTP: routing, authentication,
// the error envelope, idempotency and the handlers. Handlers decode and
// validate the request, run one command or query, and encode the answer.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/pdf"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/webhooks"
)

// Auth is who may call a route.
type Auth int

const (
	AuthNone     Auth = iota // public: health, OpenAPI
	AuthOperator             // the operator key from configuration
	AuthUser                 // a user secret key (fact_user_)
	AuthOrg                  // an organization key (fact_live_ / fact_test_) with Route.Scope
	AuthKey                  // any valid user or organization key, whatever its scopes
)

// Route describes one endpoint. Every route declares who may call it and,
// for organization keys, the scope it needs; tests walk Routes() to prove it.
type Route struct {
	Method string
	Path   string
	Auth   Auth
	Scope  string
	// AlsoScope is a second scope the route needs besides Scope: a PDF
	// needs pdfs:read and the document's own read scope.
	AlsoScope string
}

// Scopes lists the scopes the route needs, all of them.
func (rt Route) Scopes() []string {
	if rt.AlsoScope == "" {
		return []string{rt.Scope}
	}
	return []string{rt.Scope, rt.AlsoScope}
}

// allows reports whether scopes grant every scope rt needs.
func (rt Route) allows(scopes auth.Scopes) bool {
	for _, sc := range rt.Scopes() {
		if !scopes.Allows(sc) {
			return false
		}
	}
	return true
}

// handlerFunc is a handler that returns its error to one adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// commandFunc is a handler that runs a command: claim is the
// Idempotency-Key the request holds (nil without one), which the command
// commits with its events (command.Store.Run).
type commandFunc func(w http.ResponseWriter, r *http.Request, claim *command.Claim) error

// reading adapts a handler that runs no command.
func reading(fn handlerFunc) commandFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *command.Claim) error { return fn(w, r) }
}

// Deps are the services the API uses.
type Deps struct {
	Log          *slog.Logger
	Store        *postgres.EventStore
	Accounts     *postgres.AccountStore
	Documents    *postgres.DocumentStore
	Idempotency  *postgres.IdempotencyStore
	Activity     *postgres.ActivityStore // key activity and audit log
	Auth         *Authenticator
	Ready        func(ctx context.Context) error // nil error when dependencies are up
	Now          func() time.Time
	Metrics      *Metrics
	TrustProxies bool // take the client IP from X-Forwarded-For
	// WebhookPolicy decides which webhook URLs may be registered (the SSRF
	// guard, with FACTURO_WEBHOOK_ALLOW_NETS).
	WebhookPolicy webhooks.AddressPolicy
	// EventBody is the webhook body of the last event of a history
	// (events.Body, which the fan-out's app.RenderEvent applies too): a new
	// endpoint's backfill_since uses it, so backfilled and fanned-out
	// deliveries carry the same bytes. nil renders the event's own public
	// data (webhooks.Body).
	EventBody  func(history []events.Event) ([]byte, error)
	BcryptCost int // key hashing cost; auth.HashCost (12) unless a test lowers it
	// Feed follows relayed events for GET /v1/events/stream (nil: that
	// route answers 503). StreamHeartbeat is its keep-alive interval
	// (15 s when zero); StreamsPerKey bounds one key's open streams in
	// this process (5 when zero).
	Feed            EventFeed
	StreamHeartbeat time.Duration
	StreamsPerKey   int
	// PDF renders documents for the /pdf routes (pdf.Renderer).
	PDF PDFRenderer
}

// PDFRenderer is what the /pdf routes need of pdf.Renderer: find the
// version of a moment, gather a document, render it.
type PDFRenderer interface {
	VersionAt(ctx context.Context, t facturo.Tenant, kind, id string, at time.Time) (int64, error)
	Load(ctx context.Context, t facturo.Tenant, kind, id string, version int64) (*pdf.Document, error)
}

// Server is the HTTP API.
type Server struct {
	Deps
	commands command.Store // Store, as the commands use it
	orgs     *accounts.OrganizationCache
	log      *slog.Logger
	metrics  *Metrics
	routes   []Route
	router   *mux.Router
	streams  streamLimiter
	// streamsDone ends every event stream when the server shuts down
	// (CloseStreams): http.Server.Shutdown waits for handlers, and a
	// stream's handler would otherwise never return.
	streamsDone  context.Context
	closeStreams context.CancelFunc
}

// New builds the API and its router.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.BcryptCost == 0 {
		d.BcryptCost = auth.HashCost
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	s := &Server{Deps: d, log: d.Log, metrics: d.Metrics, orgs: accounts.NewOrganizationCache(0, 0)}
	s.streamsDone, s.closeStreams = context.WithCancel(context.Background())
	if d.Store != nil {
		s.commands = d.Store.Commands()
		// Every write of this process through the store, whoever runs it
		// (this API, the dashboard, a worker role), invalidates before it
		// is acknowledged.
		d.Store.AfterCommit(s.orgs.Observe)
	}
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, facturo.Errorf(facturo.CodeRouteNotFound, "Unrecognized request URL (%s %s).", shown(r.Method), shown(r.URL.Path)))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", strings.Join(s.allowedMethods(r), ", "))
		writeError(w, r, s.log, facturo.Errorf(facturo.CodeMethodNotAllowed, "%s is not allowed on %s.", shown(r.Method), shown(r.URL.Path)))
	})
	r.PathPrefix("/docs/").Methods(http.MethodGet, http.MethodHead).Handler(s.docsHandler())
	s.registerHealthRoutes(r)
	s.Handle(r, Route{Method: "GET", Path: "/v1/openapi.json", Auth: AuthNone}, s.openAPIHandler())
	s.registerRootRoutes(r)
	s.registerUserRoutes(r)
	s.registerOrganizationRoutes(r)
	s.registerKeyRoutes(r)
	s.registerClientRoutes(r)
	s.registerProductRoutes(r)
	s.registerTaxRateRoutes(r)
	s.registerQuoteRoutes(r)
	s.registerProformaRoutes(r)
	s.registerEventRoutes(r)
	s.registerWebhookRoutes(r)
	s.registerInvoicingRoutes(r)
	s.registerPDFRoutes(r)
	s.registerFacturaeRoutes(r)
	s.registerVerifactuRoutes(r)
	s.router = r
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.outer(s.router) }

// Organizations is the cache of folded organizations that GET /v1/account
// reads. The writes of this process invalidate it; give it to the
// authnats.Listener so that the other processes' writes do too.
func (s *Server) Organizations() *accounts.OrganizationCache { return s.orgs }

// CloseStreams ends the open event streams; http.Server.RegisterOnShutdown
// calls it, so that a shutdown does not wait for their clients.
func (s *Server) CloseStreams() { s.closeStreams() }

// Routes lists every registered route.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Handle registers a route: the text check of path variables, query and
// stored headers (checkRequestText), the query parameters the operation
// declares (checkQuery), authentication, scope, idempotency
// for POST, then fn. Exported so resource packages can add their routes.
func (s *Server) Handle(r *mux.Router, rt Route, fn handlerFunc) {
	s.HandleCommand(r, rt, reading(fn))
}

// HandleCommand is Handle for a handler that runs a command. An id in the
// path that is not of its variable's kind is not found (checkPathIDs).
func (s *Server) HandleCommand(r *mux.Router, rt Route, fn commandFunc) {
	s.routes = append(s.routes, rt)
	r.Handle(rt.Path, s.wrap(rt, checkPathIDs(pathVars(rt.Path), fn))).Methods(rt.Method)
}

func (s *Server) wrap(rt Route, fn commandFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRouteLabel(r.Context(), rt.Path)
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		err := checkRequestText(r, rt)
		if err == nil {
			err = checkQuery(r, rt)
		}
		if err == nil {
			err = s.serve(w, r, rt, fn)
		}
		if err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt Route, fn commandFunc) (err error) {
	if rt.Auth != AuthNone {
		p, authErr := s.Auth.Authenticate(r, rt.Auth)
		if authErr != nil {
			s.Auth.auditFailure(r, authErr)
			return authErr
		}
		r = r.WithContext(withPrincipal(r.Context(), p))
		defer func() { s.Auth.recordUse(r, p, w, err) }() // refusals for scope are activity too
		if rt.Auth == AuthOrg {
			for _, sc := range rt.Scopes() {
				if !p.Scopes.Allows(sc) {
					return facturo.Errorf(facturo.CodeInsufficientScope,
						"This key lacks the scope %q that %s %s needs.", sc, rt.Method, rt.Path)
				}
			}
		}
	}
	if r.Method == http.MethodPost && rt.Auth != AuthNone {
		return s.idempotent(w, r, fn)
	}
	return fn(w, r, nil)
}

// allowedMethods lists the methods some route takes on r's path, for the
// Allow header of a 405.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
