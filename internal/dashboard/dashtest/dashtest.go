// Package dashtest starts a whole Facturo (API with its dashboard, worker,
// real PostgreSQL and NATS from internal/testenv) for the dashboard's
// tests, and sets up users and organizations through the API.
package dashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/testenv"
)

// AdminKey is the operator key of a started system.
const AdminKey = "fact_admin_dashboard_test_operator_key"

// System is a running Facturo.
type System struct {
	T    testing.TB
	Base string // http://127.0.0.1:port
	DB   *postgres.DB
}

// Start runs the API (with the dashboard) and the worker, like make run,
// until the test ends. env adds configuration (FACTURO_WEBHOOK_ALLOW_NETS).
func Start(t testing.TB, env map[string]string) *System {
	t.Helper()
	dsn := pgtest.Migrated(t)
	ns := testenv.NATS(t)
	all := map[string]string{"DATABASE_URL": dsn, "NATS_URL": ns.URL(), "FACTURO_ADMIN_KEY": AdminKey}
	for k, v := range env {
		all[k] = v
	}
	cfg, err := app.ConfigFromEnv(func(k string) string { return all[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.BcryptCost = bcrypt.MinCost
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.Connect(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), t.Name())
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
	return &System{T: t, Base: "http://" + ln.Addr().String(), DB: svc.DB}
}

// Call sends a JSON request to the API with key and decodes the answer
// into out (when not nil); it fails the test on any status but want.
func (s *System) Call(method, path, key string, body any, want int, out any) {
	s.T.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.T.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.Base+path, rd)
	if err != nil {
		s.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.T.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.T.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// User is a user with one organization.
type User struct {
	ID, Key, OrgID, OrgName string
}

// NewUser creates a user (operator key) and an organization (their key).
func (s *System) NewUser(email, orgName string) User {
	s.T.Helper()
	var u struct {
		ID        string `json:"id"`
		SecretKey string `json:"secret_key"`
	}
	s.Call("POST", "/v1/users", AdminKey, map[string]any{"email": email, "name": "Dev " + orgName}, http.StatusCreated, &u)
	var o struct {
		ID string `json:"id"`
	}
	s.Call("POST", "/v1/organizations", u.SecretKey, map[string]any{"name": orgName}, http.StatusCreated, &o)
	return User{ID: u.ID, Key: u.SecretKey, OrgID: o.ID, OrgName: orgName}
}

// Count is the number of rows of a query (events written, keys made): what
// a refused action must leave unchanged.
func (s *System) Count(sql string, args ...any) int {
	s.T.Helper()
	var n int
	if err := s.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		s.T.Fatal(err)
	}
	return n
}
