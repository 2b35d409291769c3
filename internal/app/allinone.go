package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/facturo/facturo/internal/mail"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/pgcluster"
	"golang.org/x/sync/errgroup"
)

// RunAllInOne runs the API and worker roles in one process, starting a
// local PostgreSQL cluster and an embedded NATS JetStream server unless
// DATABASE_URL / NATS_URL point elsewhere. State lives under DataDir and
// survives restarts.
func RunAllInOne(ctx context.Context, c Config, out io.Writer, log *slog.Logger) error {
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	logf := func(f string, a ...any) { log.Debug(fmt.Sprintf(f, a...)) }
	if c.DatabaseURL == "" {
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(c.DataDir, "postgres"), Logf: logf})
		if err != nil {
			return err
		}
		defer cluster.Stop(context.WithoutCancel(ctx))
		if err := ensureDatabase(ctx, cluster, "facturo"); err != nil {
			return err
		}
		c.DatabaseURL = cluster.DSN("facturo")
		log.Info("postgres started", "data", cluster.DataDir(), "port", cluster.Port())
	}
	if c.NATSURL == "" {
		ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(c.DataDir, "nats"), Logf: logf})
		if err != nil {
			return err
		}
		defer ns.Shutdown()
		c.NATSURL = ns.URL()
		log.Info("nats started", "url", ns.URL())
	}
	if c.AdminKey == "" {
		key, err := adminKey(filepath.Join(c.DataDir, "admin_key"))
		if err != nil {
			return err
		}
		c.AdminKey = key
	}
	if c.Mail.Host == "" {
		if err := startCatcher(ctx, &c, log); err != nil {
			return err
		}
	}
	svc, err := Connect(ctx, c, log, "facturo")
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	if svc.Config.Mail.PublicURL == "" { // the links in emails lead to this process
		svc.Config.Mail.PublicURL = base
	}
	removeRunFile, err := writeRunFile(c.DataDir, Running{PID: os.Getpid(), API: base,
		DatabaseURL: c.DatabaseURL, NATSURL: c.NATSURL, StartedAt: time.Now().UTC()})
	if err != nil {
		ln.Close()
		return err
	}
	defer removeRunFile()
	metricsLn := listenMetrics(c.MetricsAddr, log)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return RunAPI(gctx, svc, ln) })
	g.Go(func() error { return RunWorker(gctx, svc, metricsLn) })
	userKey, err := developerKey(gctx, base, c.AdminKey, c.DataDir)
	if err != nil && gctx.Err() == nil {
		log.Warn("no user key to print for the dashboard", "err", err)
	}
	printQuickstart(out, base, c.AdminKey, userKey, c.DataDir)
	return g.Wait()
}

// startCatcher starts the local SMTP catcher on loopback (FACTURO_SMTP_URL
// is unset) and points c.Mail at it: every live email lands as an .eml
// file under <data dir>/mail instead of leaving the machine. It stops when
// ctx ends.
func startCatcher(ctx context.Context, c *Config, log *slog.Logger) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("mail catcher: %w", err)
	}
	dir := filepath.Join(c.DataDir, "mail")
	catcher := &mail.Catcher{Dir: dir, Log: log}
	go func() {
		if err := catcher.Serve(ctx, ln); err != nil {
			log.Error("mail catcher stopped", "err", err)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	c.Mail = mail.Config{Host: "127.0.0.1", Port: port, TLS: mail.NoTLS, From: or(c.Mail.From, "Facturo <facturo@localhost>"),
		PublicURL: c.Mail.PublicURL}
	log.Info("mail catcher listening: emails are kept as .eml files, not sent", "addr", ln.Addr().String(), "dir", dir)
	return nil
}

// listenMetrics opens the worker role's /metrics and /readyz address. The
// all-in-one process must start on a laptop where that port is taken, so a
// failure is a warning, not an error (the API's address serves /metrics
// too).
func listenMetrics(addr string, log *slog.Logger) net.Listener {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("worker metrics not served", "addr", addr, "err", err)
		return nil
	}
	log.Info("worker metrics listening", "addr", ln.Addr().String())
	return ln
}

func ensureDatabase(ctx context.Context, c *pgcluster.Cluster, name string) error {
	err := c.CreateDatabase(ctx, name, "")
	if err != nil && strings.Contains(err.Error(), "already exists") {
		return nil
	}
	return err
}

// adminKey reads the operator key kept at path, generating it the first
// time.
func adminKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read operator key: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := "fact_admin_" + base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write operator key: %w", err)
	}
	return key, nil
}

// printQuickstart tells where everything is: the API, the dashboard with
// the user key to sign in with (if one could be made), the operator key,
// and a copy-paste quickstart.
func printQuickstart(w io.Writer, base, adminKey, userKey, dataDir string) {
	fmt.Fprintf(w, "\nFacturo is running at %s\n", base)
	userLine := fmt.Sprintf("USER_KEY=$(cat %s/%s)", dataDir, UserKeyFile)
	if userKey != "" {
		fmt.Fprintf(w, "Dashboard: %s/dashboard\n  sign in with your user key (kept in %s/%s): %s\n", base, dataDir, UserKeyFile, userKey)
	} else {
		fmt.Fprintf(w, "Dashboard: %s/dashboard (sign in with a user key: POST /v1/users with the operator key makes one)\n", base)
		userLine = fmt.Sprintf(`USER_KEY=$(curl -s %s/v1/users -H "Authorization: Bearer $ADMIN" \
      -d '{"email":"ana@example.com","name":"Ana"}' | sed -E 's/.*"secret_key":"([^"]+)".*/\1/')`, base)
	}
	fmt.Fprintf(w, `Operator key (FACTURO_ADMIN_KEY; generated ones are kept in %[3]s/admin_key): %[2]s

Quickstart (copy and paste into another terminal):

  ADMIN=%[2]s
  %[4]s
  ORG=$(curl -s %[1]s/v1/organizations -H "Authorization: Bearer $USER_KEY" \
      -d '{"name":"Ana Consulting"}' | sed -E 's/.*"id":"(org_[^"]+)".*/\1/')
  KEY=$(curl -s %[1]s/v1/organizations/$ORG/api_keys -H "Authorization: Bearer $USER_KEY" \
      -d '{"name":"test key","mode":"test"}' | sed -E 's/.*"secret":"([^"]+)".*/\1/')
  curl -s %[1]s/v1/clients -H "Authorization: Bearer $KEY" \
      -d '{"legal_name":"Acme SA de CV","tax_id":"AAA010101AAA","email":"billing@acme.example"}'
  curl -s %[1]s/v1/events -H "Authorization: Bearer $KEY"

Live emails are caught, not sent: each is kept as an .eml file in %[3]s/mail/
(set FACTURO_SMTP_URL to send them).

Operator commands, in another shell: bin/facturo help (e.g. bin/facturo projections status).
Stop with Ctrl-C; data is kept under %[3]s/.
`, base, adminKey, dataDir, userLine)
}
