package testenv

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exists(t *testing.T, adminDSN, dbname string) bool {
	t.Helper()
	var ok bool
	err := connect(t, adminDSN).QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestPostgresGivesEachTestItsOwnDatabase(t *testing.T) {
	t.Parallel()
	var names []string
	for _, sub := range []string{"a", "b"} {
		t.Run(sub, func(t *testing.T) {
			conn := connect(t, Postgres(t))
			var name string
			if err := conn.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			// Open connections must not stop the drop at cleanup.
			if _, err := conn.Exec(context.Background(), "CREATE TABLE t (n int)"); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		})
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases = %q, want two distinct", names)
	}
	for _, name := range names {
		if exists(t, pgServer(t).admin, name) {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

func TestPostgresFromPreparesTemplateOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	// A key of its own: with -count=N the template of a previous run in
	// this binary would be reused, as it should.
	key := fmt.Sprintf("testenv-test-%d", time.Now().UnixNano())
	prepare := func(ctx context.Context, dsn string) error {
		calls.Add(1)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE invoices (id text PRIMARY KEY); INSERT INTO invoices VALUES ('inv_1')")
		return err
	}
	for i := range 4 {
		t.Run(string(rune('a'+i)), func(t *testing.T) {
			t.Parallel()
			conn := connect(t, PostgresFrom(t, key, prepare))
			ctx := context.Background()
			// Each clone is independent of the others.
			if _, err := conn.Exec(ctx, "INSERT INTO invoices VALUES ('inv_2')"); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM invoices").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if got, want := n, 2; got != want {
				t.Errorf("rows = %d, want %d", got, want)
			}
		})
	}
	t.Cleanup(func() {
		if got := calls.Load(); got != 1 {
			t.Errorf("prepare ran %d times, want 1", got)
		}
	})
}

// Not parallel: it restarts the cluster every other test uses.
func TestClusterRestartKeepsData(t *testing.T) {
	c := Cluster(t)
	dsn := Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (n int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := connect(t, dsn).QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rows after restart = %d, want 1", n)
	}
	// Left killed on purpose: Cluster's cleanup brings it back for the
	// tests that follow.
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
}

func TestExternalServer(t *testing.T) {
	t.Parallel()
	c := PrivateCluster(t)
	s, err := external(c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old := "ft_leftover_" + "1" + "_" + "deadbeef" // created in 1970
	if err := c.CreateDatabase(ctx, old, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := external(c.DSN("postgres")); err != nil {
		t.Fatal(err)
	}
	if exists(t, s.admin, old) {
		t.Errorf("stale database %s was not swept", old)
	}
	name := dbName("ft", t.Name())
	if err := c.CreateDatabase(ctx, name, ""); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := connect(t, s.dsn(name)).QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != name {
		t.Errorf("connected to %q, want %q", got, name)
	}
}

func TestDSNMakerKeywordForm(t *testing.T) {
	f, err := dsnMaker("host=127.0.0.1 port=5432 user=postgres dbname=postgres")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(f("ft_x"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != "ft_x" {
		t.Errorf("database = %q, want ft_x", cfg.Database)
	}
}

func TestDBName(t *testing.T) {
	name := dbName("ft", "TestSomething/with spaces and a very long name indeed, longer than any")
	if len(name) > 63 || strings.ToLower(name) != name || !strings.HasPrefix(name, "ft_testsomething_with_spaces") {
		t.Errorf("dbName = %q", name)
	}
	created, ok := createdAt(name)
	if !ok || time.Since(created) > time.Minute {
		t.Errorf("createdAt(%q) = %v, %v", name, created, ok)
	}
	if first, second := dbName("ft", "x"), dbName("ft", "x"); first == second {
		t.Error("dbName is not unique")
	}
}

func TestNATS(t *testing.T) {
	t.Parallel()
	e := NATS(t)
	nc, err := nats.Connect(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := e.Restart(); err != nil {
		t.Fatal(err)
	}
}
