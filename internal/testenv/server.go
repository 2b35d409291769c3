package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/internal/pgcluster"
)

// server is the PostgreSQL server this test binary creates databases on.
type server struct {
	admin   string              // DSN to run CREATE/DROP DATABASE through
	dsn     func(string) string // DSN of a database on this server
	cluster *pgcluster.Cluster  // nil for an external server

	mu        sync.Mutex
	templates map[string]*template

	restartMu sync.Mutex
}

// ensureRunning restarts the local cluster if a test left it stopped.
func (s *server) ensureRunning() error {
	if s.cluster == nil {
		return nil
	}
	s.restartMu.Lock()
	defer s.restartMu.Unlock()
	if s.cluster.Running() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := s.cluster.Restart(ctx); err != nil {
		return fmt.Errorf("restart the cluster a test left stopped: %w", err)
	}
	return nil
}

var (
	serverOnce sync.Once
	theServer  *server
	serverErr  error
)

// pgServer returns the binary's server, starting the local cluster on first
// use. A failure is reported to every test that needs a database.
func pgServer(t testing.TB) *server {
	t.Helper()
	serverOnce.Do(func() {
		t0 := time.Now()
		if dsn := os.Getenv(EnvDatabaseURL); dsn != "" {
			theServer, serverErr = external(dsn)
		} else {
			theServer, serverErr = localCluster()
		}
		if serverErr == nil && theServer.cluster != nil && testing.Verbose() {
			t.Logf("testenv: PostgreSQL cluster on port %d ready in %v", theServer.cluster.Port(), time.Since(t0).Round(time.Millisecond))
		}
	})
	if serverErr != nil {
		t.Fatalf("testenv: %v", serverErr)
	}
	return theServer
}

// localCluster starts this binary's cluster in a fresh directory under the
// temp dir, named after our pid so that a later binary removes it once we
// are gone (a test binary has no hook at exit; the server itself dies with
// us through Pdeathsig).
func localCluster() (*server, error) {
	prefix := "facturo-testpg-"
	sweepDeadDirs(prefix)
	root, err := reachableTempDir(fmt.Sprintf("%s%d-", prefix, os.Getpid()))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(root, "data"), Fast: true})
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	return &server{admin: c.DSN("postgres"), dsn: c.DSN, cluster: c, templates: map[string]*template{}}, nil
}

// reachableTempDir makes a temp dir the postgres user can enter when we
// run as root (MkdirTemp makes it 0700).
func reachableTempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// sweepDeadDirs removes the cluster directories of test binaries that have
// exited.
func sweepDeadDirs(prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), prefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
			os.RemoveAll(dir)
		}
	}
}

// external uses the server behind dsn, after dropping databases that
// earlier, crashed test runs left on it.
func external(dsn string) (*server, error) {
	dsnFor, err := dsnMaker(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDatabaseURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := sweepOldDatabases(ctx, dsn); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDatabaseURL, err)
	}
	return &server{admin: dsn, dsn: dsnFor, templates: map[string]*template{}}, nil
}

// dsnMaker returns a function that points dsn at another database, for
// both URL and keyword/value DSNs.
func dsnMaker(dsn string) (func(string) string, error) {
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return nil, err
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, err
		}
		return func(name string) string {
			v := *u
			v.Path, v.RawPath = "/"+name, ""
			return v.String()
		}, nil
	}
	// In keyword/value form the last occurrence of a key wins.
	return func(name string) string { return dsn + " dbname=" + name }, nil
}

// staleAfter is the age past which a test database on an external server
// belongs to a run that died before its cleanup.
const staleAfter = 3 * time.Hour

func sweepOldDatabases(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'ft\_%' OR datname LIKE 'ftpl\_%'`)
	if err != nil {
		conn.Close(ctx)
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	conn.Close(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		if created, ok := createdAt(name); ok && time.Since(created) > staleAfter {
			if err := pgcluster.DropDatabaseAt(ctx, dsn, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// dbName builds <prefix>_<slug>_<unix time base 36>_<random>: unique, short
// enough for PostgreSQL's 63-byte names, and dated for sweepOldDatabases.
func dbName(prefix, what string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s_%s_%s_%s", prefix, slug(what, 32), strconv.FormatInt(time.Now().Unix(), 36), hex.EncodeToString(r[:]))
}

// createdAt reads the time back from a dbName.
func createdAt(name string) (time.Time, bool) {
	parts := strings.Split(name, "_")
	if len(parts) < 4 {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(parts[len(parts)-2], 36, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}
