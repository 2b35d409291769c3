package pgcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// reachableDir returns a fresh directory the postgres user can traverse:
// t.TempDir is 0700 and owned by root when tests run as root.
func reachableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgcluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func startCluster(t *testing.T, dataDir string) *Cluster {
	t.Helper()
	if _, err := BinDir(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := Start(ctx, Options{DataDir: dataDir, Fast: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster started in %v", time.Since(t0))
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, dsn string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStartCreateDatabaseRestart(t *testing.T) {
	t.Parallel()
	c := startCluster(t, filepath.Join(reachableDir(t), "data"))
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, "app", ""); err != nil {
		t.Fatal(err)
	}
	dsn := c.DSN("app")
	if !strings.HasPrefix(dsn, "postgres://postgres@127.0.0.1:") {
		t.Errorf("DSN = %q", dsn)
	}
	execSQL(t, dsn, "CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)")

	port := c.Port()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Port(); got != port {
		t.Errorf("port after Restart = %d, want %d", got, port)
	}
	if got, want := count(t, dsn), 2; got != want {
		t.Errorf("rows after Restart = %d, want %d", got, want)
	}

	if err := c.CreateDatabase(ctx, "clone", "app"); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, c.DSN("clone")), 2; got != want {
		t.Errorf("rows in clone = %d, want %d", got, want)
	}
}

func TestKillThenStartSameDir(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(reachableDir(t), "data")
	c := startCluster(t, dataDir)
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, "app", ""); err != nil {
		t.Fatal(err)
	}
	// Committed with synchronous_commit=off, so flush explicitly: only
	// flushed data survives a crash.
	execSQL(t, c.DSN("app"), "CREATE TABLE t (n int); INSERT INTO t VALUES (1)")
	execSQL(t, c.DSN("app"), "CHECKPOINT") // outside the insert's transaction
	port := c.Port()
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); err != nil {
		t.Fatalf("a killed server should leave postmaster.pid behind: %v", err)
	}

	// A new Cluster on the same directory, as `make run` after kill -9.
	c2 := startCluster(t, dataDir)
	if got := c2.Port(); got != port {
		t.Errorf("port remembered across starts = %d, want %d", got, port)
	}
	if got, want := count(t, c2.DSN("app")), 1; got != want {
		t.Errorf("rows after crash = %d, want %d", got, want)
	}

	// Kill then Restart on the same Cluster works too.
	if err := c2.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, c2.DSN("app")), 1; got != want {
		t.Errorf("rows after Kill+Restart = %d, want %d", got, want)
	}
}

func TestStartRefusesRunningCluster(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(reachableDir(t), "data")
	startCluster(t, dataDir)
	_, err := Start(context.Background(), Options{DataDir: dataDir})
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Start on a live data dir: err = %v, want 'already running'", err)
	}
}

func TestBinDirMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no pg_config
	_, err := binDir(filepath.Join(t.TempDir(), "*", "bin"))
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{
		"PostgreSQL server binaries not found",
		"apt-get install postgresql",
		"DATABASE_URL",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestBinDirPicksHighestVersion(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	root := t.TempDir()
	for _, v := range []string{"9.6", "13", "16"} {
		dir := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"postgres", "initdb"} {
			if err := os.WriteFile(filepath.Join(dir, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := binDir(filepath.Join(root, "*", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "16", "bin"); got != want {
		t.Errorf("binDir = %q, want %q", got, want)
	}
}

func TestDataDirUnreachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root drops to the postgres user")
	}
	if _, err := BinDir(); err != nil {
		t.Skip(err)
	}
	private := t.TempDir() // 0700, root's
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(private, "data")})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the data dir") {
		t.Fatalf("err = %v, want 'cannot reach the data dir'", err)
	}
}
