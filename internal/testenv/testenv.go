// Package testenv gives tests the real things: a fresh PostgreSQL database
// per test and an embedded NATS JetStream server per test.
//
// PostgreSQL comes from one local cluster per test binary, started lazily
// from the system's binaries in fast (non-durable) mode, or from the server
// FACTURO_TEST_DATABASE_URL points at. Either way each test gets its own
// database, dropped when the test ends, so tests can run in parallel.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/pgcluster"
)

// EnvDatabaseURL names the variable that points tests at an existing server
// (any database on it; the role must be allowed to create databases).
const EnvDatabaseURL = "FACTURO_TEST_DATABASE_URL"

// setupTimeout bounds cluster start, template preparation and the
// create/drop of one database.
const setupTimeout = 2 * time.Minute

// Postgres returns the DSN of a brand-new empty database for this test,
// dropped (WITH (FORCE)) when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// PostgresFrom returns the DSN of a fresh database cloned from a template
// that prepare initialised once per test binary for this key (typically:
// migrations applied). Cloning takes milliseconds where migrating every
// test would take much longer. prepare must close its connections before it
// returns; if it fails, every test asking for key fails with its error.
func PostgresFrom(t testing.TB, key string, prepare func(ctx context.Context, dsn string) error) string {
	t.Helper()
	srv := pgServer(t)
	tpl := srv.template(key, prepare)
	if tpl.err != nil {
		t.Fatalf("testenv: template %q: %v", key, tpl.err)
	}
	return newDatabase(t, tpl.name)
}

// Cluster returns the cluster behind Postgres, for tests that kill or restart
// PostgreSQL. It skips the test when FACTURO_TEST_DATABASE_URL is in use.
//
// Every database of the binary lives on this cluster, so a test that kills
// it must not call t.Parallel (serial tests never overlap parallel ones).
// If the test leaves it stopped, it is restarted when the test ends. For a
// cluster of your own, use PrivateCluster.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	if os.Getenv(EnvDatabaseURL) != "" {
		t.Skipf("testenv: %s is set; this test needs the local cluster to kill or restart it", EnvDatabaseURL)
	}
	srv := pgServer(t)
	t.Cleanup(func() {
		if err := srv.ensureRunning(); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return srv.cluster
}

// PrivateCluster starts a cluster for this test alone (a couple of seconds),
// stopped and removed when the test ends: for fault injection in a test that
// runs in parallel with others.
func PrivateCluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	root, err := reachableTempDir(fmt.Sprintf("facturo-testpg-%d-", os.Getpid()))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	c, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(root, "data"), Fast: true})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return c
}

// NATS starts a fresh embedded JetStream server for this test (temporary
// store, random port), shut down when the test ends. Tests can Restart it.
func NATS(t testing.TB) *natsjs.Embedded {
	t.Helper()
	store := t.TempDir() // registered first, so removed after Shutdown
	e, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: store})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(e.Shutdown)
	return e
}

// newDatabase creates a database for t from template ("" for an empty one)
// and drops it when t ends.
func newDatabase(t testing.TB, template string) string {
	t.Helper()
	srv := pgServer(t)
	name := dbName("ft", t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := pgcluster.CreateDatabaseAt(ctx, srv.admin, name, template); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		// The test may have killed the cluster (see Cluster); cleanups
		// run last-registered first, so this one runs before Cluster's.
		if err := srv.ensureRunning(); err != nil {
			t.Errorf("testenv: %v", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := pgcluster.DropDatabaseAt(ctx, srv.admin, name); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return srv.dsn(name)
}

// template is one prepared template database per key.
type template struct {
	once sync.Once
	name string
	err  error
}

func (s *server) template(key string, prepare func(context.Context, string) error) *template {
	s.mu.Lock()
	tpl, ok := s.templates[key]
	if !ok {
		tpl = &template{}
		s.templates[key] = tpl
	}
	s.mu.Unlock()
	tpl.once.Do(func() {
		// Until prepare returns normally, the template is unusable: a
		// panic or t.FailNow inside it must not leave a half-made template
		// for the next test to clone.
		tpl.err = fmt.Errorf("prepare did not return (panic or runtime.Goexit in an earlier test)")
		tpl.err = s.prepareTemplate(key, prepare, &tpl.name)
	})
	return tpl
}

func (s *server) prepareTemplate(key string, prepare func(context.Context, string) error, name *string) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	n := dbName("ftpl", key)
	if err := pgcluster.CreateDatabaseAt(ctx, s.admin, n, ""); err != nil {
		return err
	}
	if err := prepare(ctx, s.dsn(n)); err != nil {
		_ = pgcluster.DropDatabaseAt(ctx, s.admin, n)
		return fmt.Errorf("prepare: %w", err)
	}
	*name = n
	return nil
}

// slug turns a test name or key into identifier characters.
func slug(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= max {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
