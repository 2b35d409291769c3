package httpapi_test

import (
	"net/netip"

	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/facturo/facturo/webhooks"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/projections"
)

const ktOperatorKey = "operator-test-key-0123456789"

// newKeyTestDB returns a migrated database of its own for the test.
func newKeyTestDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.Migrated(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// ktClock is the clock of the authenticator and the handlers, moved by
// tests.
type ktClock struct{ offset atomic.Int64 }

func (c *ktClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *ktClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// keyTestServer is one API process: its own authenticator, cache, throttle
// and usage batcher, on a shared database.
type keyTestServer struct {
	t     *testing.T
	DB    *postgres.DB
	Store *postgres.EventStore
	API   *httpapi.Server
	Auth  *httpapi.Authenticator
	Usage *auth.UsageBatcher
	Clock *ktClock
}

// newKeyTestServer wires an API server the way cmd/api does, against db.
func newKeyTestServer(t *testing.T, db *postgres.DB) *keyTestServer {
	t.Helper()
	if err := app.InstallEventTypes(); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(db, events.Upcast, projections.Accounts{}, projections.Audit{})
	accts := postgres.NewAccountStore(db)
	activity := postgres.NewActivityStore(db)
	clock := &ktClock{}
	authn := httpapi.NewAuthenticator(accts, ktOperatorKey)
	authn.Now = clock.Now
	usage := &auth.UsageBatcher{Keys: accts, Activity: activity, Interval: time.Hour}
	authn.Usage = usage
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httpapi.New(httpapi.Deps{
		Log: log, Store: store, Accounts: accts, Documents: postgres.NewDocumentStore(db),
		Idempotency: postgres.NewIdempotencyStore(db), Activity: activity, Auth: authn,
		Ready: func(context.Context) error { return nil }, Now: clock.Now,
		BcryptCost: bcrypt.MinCost, // cost 12 is proven by TestProductionKeysUseCost12 in internal/app
		// Test webhook receivers listen on loopback.
		WebhookPolicy: webhooks.AddressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
	})
	return &keyTestServer{t: t, DB: db, Store: store, API: api, Auth: authn, Usage: usage, Clock: clock}
}

// ktResponse is an answer with its JSON body decoded.
type ktResponse struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (r ktResponse) errorCode() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r ktResponse) str(field string) string {
	s, _ := r.Body[field].(string)
	return s
}

// ktReq is one request: method, path, client IP, headers and JSON body.
type ktReq struct {
	Method, Path string
	IP           string // default 192.0.2.1
	Key          string // sent as Authorization: Bearer
	Header       map[string]string
	Body         any
}

func (s *keyTestServer) do(q ktReq) ktResponse {
	s.t.Helper()
	var body io.Reader
	if q.Body != nil {
		b, err := json.Marshal(q.Body)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req := httptest.NewRequest(q.Method, q.Path, body)
	if q.IP == "" {
		q.IP = "192.0.2.1"
	}
	req.RemoteAddr = net.JoinHostPort(q.IP, "40000")
	if q.Key != "" {
		req.Header.Set("Authorization", "Bearer "+q.Key)
	}
	for k, v := range q.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.API.Handler().ServeHTTP(rec, req)
	out := ktResponse{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	_ = json.Unmarshal(out.Raw, &out.Body)
	return out
}

// must fails the test unless the answer has the status.
func (s *keyTestServer) must(status int, q ktReq) ktResponse {
	s.t.Helper()
	r := s.do(q)
	if r.Status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", q.Method, q.Path, r.Status, status, r.Raw)
	}
	return r
}

// ktTenant is a user with an organization.
type ktTenant struct {
	UserKey string
	OrgID   string
}

func (s *keyTestServer) newTenant(email string) ktTenant {
	s.t.Helper()
	u := s.must(201, ktReq{Method: "POST", Path: "/v1/users", Key: ktOperatorKey,
		Body: map[string]any{"email": email, "name": "Test User"}})
	key := u.str("secret_key")
	o := s.must(201, ktReq{Method: "POST", Path: "/v1/organizations", Key: key,
		Body: map[string]any{"name": "Acme"}})
	return ktTenant{UserKey: key, OrgID: o.str("id")}
}

// newKey creates an organization key; body defaults to a test key with
// every scope.
func (s *keyTestServer) newKey(tn ktTenant, body map[string]any) (id, secret string) {
	s.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["mode"]; !ok {
		body["mode"] = "test"
	}
	r := s.must(201, ktReq{Method: "POST", Path: "/v1/organizations/" + tn.OrgID + "/api_keys", Key: tn.UserKey, Body: body})
	return r.str("id"), r.str("secret")
}

func (tn ktTenant) keyPath(id string) string {
	return "/v1/organizations/" + tn.OrgID + "/api_keys/" + id
}
