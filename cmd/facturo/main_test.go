package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/testenv"
)

// TestOperatorCommandsFindTheRunningSystem: in a second shell, with no
// variables but the data directory, `facturo projections status` finds the
// running `facturo run`, answers, and writes nothing on stderr. Once it has
// stopped, or after it was killed, the command says so instead of trying
// to connect somewhere.
func TestOperatorCommandsFindTheRunningSystem(t *testing.T) {
	dir := t.TempDir()
	shell := func(args ...string) (stdout, stderr string, err error) {
		var out, errOut bytes.Buffer
		err = Run(context.Background(), args, func(k string) string {
			if k == "FACTURO_DATA_DIR" {
				return dir
			}
			return ""
		}, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	if _, _, err := shell("projections", "status"); !errors.Is(err, app.ErrNotRunning) ||
		!strings.Contains(err.Error(), "make run") {
		t.Fatalf("before start: %v, want ErrNotRunning naming make run", err)
	}

	stop := startRun(t, dir)
	runFile := filepath.Join(dir, app.RunFileName)
	if fi, _ := os.Stat(runFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("run file mode %v, want 0600 (it holds the database URL)", fi.Mode().Perm())
	}

	for _, args := range [][]string{{"projections", "status"}, {"projections", "list"}, {"migrate"}} {
		out, errOut, err := shell(args...)
		if err != nil || out == "" || errOut != "" {
			t.Errorf("facturo %s: err %v, stdout %q, stderr %q; want output and a quiet stderr",
				strings.Join(args, " "), err, out, errOut)
		}
	}

	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(runFile); !os.IsNotExist(err) {
		t.Errorf("run file left after a clean stop: %v", err)
	}

	// kill -9 leaves the file behind: its process is gone.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := `{"pid":` + strconv.Itoa(gone.Process.Pid) + `,"database_url":"postgres://nowhere"}`
	if err := os.WriteFile(runFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := shell("projections", "status"); !errors.Is(err, app.ErrNotRunning) ||
		!strings.Contains(err.Error(), "exited") {
		t.Errorf("stale run file: %v, want ErrNotRunning saying the process exited", err)
	}
}

// Only one of DATABASE_URL and NATS_URL is a mistake, named as such.
func TestOperatorCommandsWantBothURLs(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://x", "FACTURO_DATA_DIR": t.TempDir()}
	err := Run(context.Background(), []string{"projections", "status"}, func(k string) string { return env[k] },
		&bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "both DATABASE_URL and NATS_URL") {
		t.Errorf("got %v", err)
	}
}

// startRun runs `facturo run` on dataDir until stop (or the test's end)
// and returns once its run file is written. It uses the test's PostgreSQL
// and NATS (the all-in-one starts its own only when these are unset); a
// second shell, which knows only the data directory, must find them.
func startRun(t *testing.T, dataDir string) (stop func() error) {
	t.Helper()
	stop, _ = startRunOutput(t, runEnv(t, dataDir))
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(dataDir, app.RunFileName)); return err == nil })
	return stop
}

// runEnv is the environment of a facturo run on dataDir with a database
// of its own.
func runEnv(t *testing.T, dataDir string) map[string]string {
	return map[string]string{"DATABASE_URL": testenv.Postgres(t), "NATS_URL": testenv.NATS(t).URL(),
		"FACTURO_DATA_DIR": dataDir, "FACTURO_ADDR": "127.0.0.1:0", "FACTURO_METRICS_ADDR": "127.0.0.1:0"}
}

// startRunOutput is startRun without the wait, with what facturo run
// prints on stdout so far.
func startRunOutput(t *testing.T, env map[string]string) (stop func() error, stdout func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &lockedBuffer{}
	go func() {
		done <- Run(ctx, []string{"run"}, func(k string) string { return env[k] }, out, &bytes.Buffer{})
	}()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop, out.String
}

// lockedBuffer is a bytes.Buffer written and read from two goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	waitUntil(t, 30*time.Second, cond)
}

// waitUntil waits for cond for at most timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var printedUserKey = regexp.MustCompile(`(?m)^Dashboard: (http://[^ ]+)/dashboard\n  sign in with your user key \(kept in [^)]+\): (fact_user_[A-Za-z0-9]+)$`)

// facturo run prints the dashboard's address and a user key that signs in
// there: the same one on every start while it works, a new one once it
// was revoked. It is kept where only its owner can read it.
func TestRunPrintsAWorkingUserKey(t *testing.T) {
	dir := t.TempDir()
	env := runEnv(t, dir) // one database across restarts, as make run's
	start := func() (base, key string, stop func() error) {
		t.Helper()
		stop, out := startRunOutput(t, env)
		var m []string
		// Making the user hashes its key at the production bcrypt cost
		// (12), slow under -race on a loaded machine.
		waitUntil(t, 3*time.Minute, func() bool {
			if m = printedUserKey.FindStringSubmatch(out()); m == nil && strings.Contains(out(), "Operator key") {
				t.Fatalf("facturo run printed no user key:\n%s", out())
			}
			return m != nil
		})
		return m[1], m[2], stop
	}
	call := func(method, url, key string) int {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	base, first, stop := start()
	if s := call("GET", base+"/v1/organizations", first); s != http.StatusOK {
		t.Fatalf("the printed user key: %d", s)
	}
	if fi, err := os.Stat(filepath.Join(dir, app.UserKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the kept user key: %v %v, want mode 0600", fi, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, again, stop := start()
	if again != first {
		t.Errorf("a restart printed another user key")
	}
	if s := call("POST", base+"/v1/user/secret_key/revoke", again); s != http.StatusOK {
		t.Fatalf("revoke: %d", s)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	base, fresh, _ := start()
	if fresh == first || call("GET", base+"/v1/organizations", fresh) != http.StatusOK {
		t.Errorf("after a revocation: printed the revoked key again, or a key that does not work")
	}
}
