package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// RunFileName is the file, inside the data directory, where a running
// all-in-one process says where its services listen. Tools started in
// another shell (`facturo projections status`) read it instead of asking
// for DATABASE_URL and NATS_URL. It is readable by its owner only: the
// database URL it holds reaches a superuser on loopback.
const RunFileName = "run.json"

// Running describes a running all-in-one process.
type Running struct {
	PID         int       `json:"pid"`
	API         string    `json:"api"`
	DatabaseURL string    `json:"database_url"`
	NATSURL     string    `json:"nats_url"`
	StartedAt   time.Time `json:"started_at"`
}

// ErrNotRunning is returned by FindRunning when no all-in-one process is
// running from the data directory.
var ErrNotRunning = errors.New("no running Facturo found")

// writeRunFile records r under dir, replacing any earlier file at once (a
// reader never sees half of it), and returns a function that removes it.
func writeRunFile(dir string, r Running) (remove func(), err error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, RunFileName)
	tmp, err := os.CreateTemp(dir, RunFileName+".*")
	if err != nil {
		return nil, fmt.Errorf("run file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("run file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("run file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("run file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("run file: %w", err)
	}
	return func() {
		// Only our own: a second process started on the same directory
		// since (its PostgreSQL would have refused, but be safe) keeps its.
		if got, err := readRunFile(path); err == nil && got.PID == r.PID {
			os.Remove(path)
		}
	}, nil
}

func readRunFile(path string) (Running, error) {
	var r Running
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// FindRunning returns the all-in-one process running from dataDir, or an
// error wrapping ErrNotRunning that says what was found: no file (never
// started, or stopped cleanly), or a file left by a process that is gone
// (killed).
func FindRunning(dataDir string) (Running, error) {
	path := filepath.Join(dataDir, RunFileName)
	r, err := readRunFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, fmt.Errorf("%w: no %s (start it with `make run` in another shell, or set DATABASE_URL and NATS_URL)", ErrNotRunning, path)
	}
	if err != nil {
		return r, err
	}
	if !alive(r.PID) {
		return r, fmt.Errorf("%w: %s names process %d, which has exited (start it again with `make run`, or set DATABASE_URL and NATS_URL)", ErrNotRunning, path, r.PID)
	}
	return r, nil
}

// alive reports whether a process with this id exists. EPERM means it
// exists under another user.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
