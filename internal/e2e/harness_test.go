package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/testenv"
	"golang.org/x/crypto/bcrypt"
)

const testAdminKey = "fact_admin_test_operator_key_0123456789"

// system is a running Facturo (API and worker roles) on real PostgreSQL and
// NATS, for one test.
type system struct {
	t    *testing.T
	base string
	svc  *app.Services
	http *http.Client // validates every answer against the served document
	// mailbox holds what the mailer sent to the system's SMTP server.
	mailbox *mailbox
}

// newSystem wraps the API at base: every call of the test, through call,
// must or client, is checked by a specCheck.
func newSystem(t *testing.T, base string, svc *app.Services) *system {
	t.Helper()
	hc := &http.Client{Transport: newSpecCheck(t, base), Timeout: 30 * time.Second}
	return &system{t: t, base: base, svc: svc, http: hc}
}

// client is the Go client with key, through the same validating transport.
func (s *system) client(key string) *client.Client {
	return client.New(s.base, key, client.WithHTTPClient(s.http))
}

// proxy returns the URL of a reverse proxy to the API that validates every
// answer too, for clients that are not Go (curl in the quickstart).
func (s *system) proxy() string {
	s.t.Helper()
	target, err := url.Parse(s.base)
	if err != nil {
		s.t.Fatal(err)
	}
	srv := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: s.http.Transport,
	})
	s.t.Cleanup(srv.Close)
	return srv.URL
}

func startSystem(t *testing.T) *system {
	t.Helper()
	return startSystemWith(t, nil)
}

// startSystemWith lets a test change the configuration before start.
func startSystemWith(t *testing.T, configure func(*app.Config)) *system {
	t.Helper()
	dsn := pgtest.Migrated(t)
	ns := testenv.NATS(t)
	env := map[string]string{"DATABASE_URL": dsn, "NATS_URL": ns.URL(), "FACTURO_ADMIN_KEY": testAdminKey}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.BcryptCost = bcrypt.MinCost // see TestProductionKeysUseCost12
	var box *mailbox
	cfg.Mail, box = testMail(t)
	if configure != nil {
		configure(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.Connect(ctx, cfg, log, t.Name())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	go func() { _ = app.RunAPI(ctx, svc, ln); done <- struct{}{} }()
	go func() { _ = app.RunWorker(ctx, svc, nil); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		svc.Close()
	})
	sys := newSystem(t, "http://"+ln.Addr().String(), svc)
	sys.mailbox = box
	return sys
}

// response is an answer with its decoded JSON body.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (r response) str(path ...string) string {
	var v any = r.Body
	for _, p := range path {
		if a, ok := v.([]any); ok { // an index into an array
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(a) {
				return ""
			}
			v = a[i]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func (r response) list() []map[string]any {
	data, _ := r.Body["data"].([]any)
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i], _ = d.(map[string]any)
	}
	return out
}

// call sends a request with key as Bearer token (none if empty) and
// optional extra headers as name/value pairs.
func (s *system) call(method, path, key string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.http.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		// An event stream does not end: its status and headers are the
		// answer (tests that read the events use client.Events.Stream).
		return response{Status: res.StatusCode, Header: res.Header}
	}
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// must sends a request and fails the test unless the status is want.
func (s *system) must(want int, method, path, key string, body any, headers ...string) response {
	s.t.Helper()
	r := s.call(method, path, key, body, headers...)
	if r.Status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// eventually retries check until it returns true or 10 s pass.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tenantKeys is an organization with a live and a test key.
type tenantKeys struct {
	userID, userKey, orgID, live, test string
}

// newTenant creates a user, an organization and both keys.
func (s *system) newTenant(email string, scopes ...string) tenantKeys {
	s.t.Helper()
	return s.newTenantIn("", email, scopes...)
}

// newTenantIn is newTenant with an organization of a country ("": the
// default); a Spanish one has a NIF.
func (s *system) newTenantIn(country, email string, scopes ...string) tenantKeys {
	s.t.Helper()
	u := s.must(201, "POST", "/v1/users", testAdminKey, map[string]any{"email": email, "name": "Test User"})
	tk := tenantKeys{userID: u.str("id"), userKey: u.str("secret_key")}
	org := map[string]any{"name": "Org of " + email}
	if country != "" {
		org["country"] = country
	}
	if country == "ES" { // a Spanish invoice names its issuer's NIF (VeriFactu records too)
		org["tax_id"] = "B12345674"
	}
	o := s.must(201, "POST", "/v1/organizations", tk.userKey, org)
	tk.orgID = o.str("id")
	body := map[string]any{"name": "k", "mode": "live"}
	if len(scopes) > 0 {
		body["scopes"] = scopes
	}
	tk.live = s.must(201, "POST", "/v1/organizations/"+tk.orgID+"/api_keys", tk.userKey, body).str("secret")
	body["mode"] = "test"
	tk.test = s.must(201, "POST", "/v1/organizations/"+tk.orgID+"/api_keys", tk.userKey, body).str("secret")
	return tk
}
