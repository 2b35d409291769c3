// Package pgcluster runs a local PostgreSQL cluster from the system's server
// binaries, as a child process of the Go program: the all-in-one `make run`
// keeps its data in a directory across restarts, and tests start one in a
// temporary directory.
//
// The server never outlives the process that started it (it gets SIGQUIT,
// an immediate shutdown, when that process dies), it listens on 127.0.0.1
// only, without a unix socket, and trusts every connection there: the DSN
// needs no password. That is fine for development and tests on one machine,
// and the reason this package is not a way to run production databases.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options says where and how to run the cluster.
type Options struct {
	// DataDir holds the cluster; it is created if missing and initdb runs
	// only when it holds no cluster yet. Its parents must be reachable by
	// the postgres system user when we run as root.
	DataDir string
	// Port to listen on, on 127.0.0.1. 0 means: the port remembered in
	// DataDir from the previous start if it is still free, else a free one
	// (which is then remembered), so that a persistent cluster keeps its
	// DSN across restarts whenever it can.
	Port int
	// Logf, when set, receives every line the server logs, and progress.
	Logf func(format string, args ...any)
	// Fast trades durability for speed, for tests: fsync, synchronous
	// commit and full page writes off. A crash of the machine (not of the
	// server) may then corrupt the cluster.
	Fast bool
}

// superuser is the role initdb creates and the DSN connects as.
const superuser = "postgres"

// portFile, inside the data dir, remembers the port of the last start.
const portFile = "facturo.port"

// Cluster is a running (or stopped) local PostgreSQL cluster.
type Cluster struct {
	opts  Options
	bin   string
	owner owner
	log   *logTail

	mu   sync.Mutex
	port int
	srv  *server // nil when stopped
}

// Start prepares opts.DataDir (initdb when needed) and starts the server,
// returning once it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pgcluster: Options.DataDir is required")
	}
	dir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	opts.DataDir = dir
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	o, err := serverOwner()
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, bin: bin, owner: o, log: newLogTail(40, opts.Logf)}
	if err := prepareDataDir(dir, o); err != nil {
		return nil, err
	}
	if err := c.initdb(ctx); err != nil {
		return nil, err
	}
	c.port = opts.Port
	if c.port == 0 {
		c.port = c.rememberedPort()
	}
	if err := c.start(ctx, opts.Port == 0); err != nil {
		return nil, err
	}
	return c, nil
}

// DSN returns the URL of database dbname on this cluster, as the superuser.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.Port(), url.PathEscape(dbname))
}

// Port is the TCP port the server listens on, on 127.0.0.1.
func (c *Cluster) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.port
}

// Running reports whether the server process is up (it may still refuse
// connections while it shuts down or recovers).
func (c *Cluster) Running() bool {
	c.mu.Lock()
	srv := c.srv
	c.mu.Unlock()
	if srv == nil {
		return false
	}
	select {
	case <-srv.done:
		return false
	default:
		return true
	}
}

// DataDir is the absolute path of the cluster's data directory.
func (c *Cluster) DataDir() string { return c.opts.DataDir }

// CreateDatabase creates database name, copied from template ("" for the
// server's default, template1).
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	return CreateDatabaseAt(ctx, c.DSN("postgres"), name, template)
}

// Stop shuts the server down (fast shutdown: sessions are disconnected,
// transactions rolled back, a checkpoint written) and waits for it to exit.
// When ctx ends first, the server is killed. Stopping a stopped cluster does
// nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	srv := c.srv
	c.srv = nil
	c.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.stop(ctx)
}

// Kill crashes the server the hard way: SIGKILL to the postmaster and all
// its backends at once, like a machine losing power, and waits for them to
// be gone. The next Start or Restart runs crash recovery.
func (c *Cluster) Kill() error {
	c.mu.Lock()
	srv := c.srv
	c.srv = nil
	c.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.kill()
}

// Restart stops the server (if running) and starts it again on the same
// port and data.
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.Stop(ctx); err != nil {
		return err
	}
	return c.start(ctx, false)
}

func (c *Cluster) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.opts.DataDir, "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{"-D", c.opts.DataDir, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--no-locale"}
	if c.opts.Fast {
		args = append(args, "--no-sync")
	}
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, "initdb"), args...)
	cmd.Env = childEnv()
	cmd.SysProcAttr = c.sysProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.opts.DataDir, err, tail(string(out), 20))
	}
	c.logf("initdb %s in %v", c.opts.DataDir, time.Since(t0).Round(time.Millisecond))
	return nil
}

// rememberedPort returns the port of the previous start if it is free now.
func (c *Cluster) rememberedPort() int {
	b, err := os.ReadFile(filepath.Join(c.opts.DataDir, portFile))
	if err != nil {
		return 0
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || p <= 0 || p > 65535 {
		return 0
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return 0
	}
	l.Close()
	return p
}

func (c *Cluster) rememberPort() {
	// Best effort: losing it only costs a new port next time.
	_ = os.WriteFile(filepath.Join(c.opts.DataDir, portFile), []byte(strconv.Itoa(c.port)+"\n"), 0o644)
}

func (c *Cluster) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf("pgcluster: "+format, args...)
	}
}

// freePort asks the kernel for a free port on 127.0.0.1. Another process may
// take it before the server binds it; start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgcluster: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is our environment without the variables that would change how
// initdb or the server behave behind our back (PGDATA, PGPORT...) and with
// the C locale, which always exists: the cluster is created --no-locale.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
