// Package bench measures Facturo on one machine against baselines taken in
// the same run (ratios, not absolute times): write throughput against
// pgbench, pipeline latency, webhook delivery against a plain loop of
// signed POSTs, and authentication under a flood of invalid keys. All
// traffic stays on loopback; every phase is bounded in time.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/pgcluster"
	"golang.org/x/crypto/bcrypt"
)

const adminKey = "fact_admin_bench_operator_key_0123456789"

// system is an in-process Facturo (API and worker roles) on a throwaway
// local PostgreSQL cluster and an embedded NATS server.
type system struct {
	dir     string // the run's temporary directory
	base    string
	dsn     string
	svc     *app.Services
	cluster *pgcluster.Cluster
	stop    func()
}

func start(ctx context.Context, dir string) (*system, error) {
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres user must reach it
		return nil, err
	}
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(dir, "pg")})
	if err != nil {
		return nil, err
	}
	if err := cluster.CreateDatabase(ctx, "facturo", ""); err != nil {
		return nil, err
	}
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return nil, err
	}
	env := map[string]string{"DATABASE_URL": cluster.DSN("facturo"), "NATS_URL": ns.URL(), "FACTURO_ADMIN_KEY": adminKey,
		"FACTURO_WEBHOOK_RETRY_SCHEDULE": "1s"}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	cfg.BcryptCost = bcrypt.MinCost // key creation only; requests use the cache
	cfg.Webhooks.AllowNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	log := slog.New(slog.DiscardHandler)
	rctx, cancel := context.WithCancel(ctx)
	svc, err := app.Connect(rctx, cfg, log, "bench")
	if err != nil {
		cancel()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{}, 2)
	go func() { _ = app.RunAPI(rctx, svc, ln); done <- struct{}{} }()
	go func() { _ = app.RunWorker(rctx, svc, nil); done <- struct{}{} }()
	return &system{dir: dir, base: "http://" + ln.Addr().String(), dsn: cluster.DSN("facturo"), svc: svc, cluster: cluster, stop: func() {
		cancel()
		<-done
		<-done
		svc.Close()
		ns.Shutdown()
		_ = cluster.Stop(context.Background())
	}}, nil
}

// post sends a JSON request and decodes the answer, failing unless want.
func (s *system) post(method, path, key string, body any, want int) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out, nil
}

// tenant creates a user, an organization, a live key and a client.
func (s *system) tenant() (key, client string, err error) {
	_, key, client, err = s.newOrganization("bench@example.com", "Bench")
	return key, client, err
}

// newOrganization creates a user (email must be new), an organization of
// that user, a live key of it and a client.
func (s *system) newOrganization(email, name string) (org, key, client string, err error) {
	u, err := s.post("POST", "/v1/users", adminKey, map[string]any{"email": email, "name": name}, 201)
	if err != nil {
		return "", "", "", err
	}
	user := u["secret_key"].(string)
	o, err := s.post("POST", "/v1/organizations", user, map[string]any{"name": name}, 201)
	if err != nil {
		return "", "", "", err
	}
	org = o["id"].(string)
	k, err := s.post("POST", "/v1/organizations/"+org+"/api_keys", user, map[string]any{"name": "bench", "mode": "live"}, 201)
	if err != nil {
		return "", "", "", err
	}
	key = k["secret"].(string)
	c, err := s.post("POST", "/v1/clients", key, map[string]any{"legal_name": "Acme SA de CV", "tax_id": "AAA010101AAA", "email": "billing@acme.example"}, 201)
	if err != nil {
		return "", "", "", err
	}
	return org, key, c["id"].(string), nil
}

// invoiceBody is a draft with three inline items.
func invoiceBody(client string) []byte {
	item := func(price string) map[string]any {
		return map[string]any{"product": map[string]any{"description": "Hour", "price": price, "taxes": []any{map[string]any{"type": "IVA", "rate": "0.16"}}}, "quantity": "2"}
	}
	b, _ := json.Marshal(map[string]any{"client": client, "payment_form": "03", "items": []any{item("100.00"), item("250.50"), item("12.34")}})
	return b
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
