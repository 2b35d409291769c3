package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds one start when ctx has no earlier deadline; crash
// recovery of a big development cluster can take a while.
const startTimeout = 60 * time.Second

// server is one run of the postmaster process.
type server struct {
	pid  int
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid once done is closed
}

func (c *Cluster) setPort(p int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.port = p
}

func (c *Cluster) sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: c.owner.credential()}
}

// start runs the server and waits until it accepts connections. With
// pickPort, a port someone else took in the meantime is replaced by a new
// free one; otherwise the port is kept and only transient failures (the
// shared memory of a killed server still attached) are retried.
func (c *Cluster) start(ctx context.Context, pickPort bool) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := c.clearStalePID(); err != nil {
		return err
	}
	t0 := time.Now()
	for attempt := 1; ; attempt++ {
		if c.port == 0 {
			p, err := freePort()
			if err != nil {
				return err
			}
			c.setPort(p)
		}
		c.log.reset()
		srv, err := c.launch()
		if err != nil {
			return err
		}
		err = c.waitReady(ctx, srv)
		if err == nil {
			c.mu.Lock()
			c.srv = srv
			c.mu.Unlock()
			c.rememberPort()
			c.logf("postgres listening on 127.0.0.1:%d (pid %d) after %v", c.port, srv.pid, time.Since(t0).Round(time.Millisecond))
			return nil
		}
		_ = srv.kill()
		retry := attempt < 20 && ctx.Err() == nil
		switch {
		case retry && pickPort && c.log.contains("could not bind"):
			c.logf("port %d taken, picking another", c.port)
			c.setPort(0)
		case retry && (c.log.contains("pre-existing shared memory block") || c.log.contains("could not bind")):
			// A killed server's backends are still exiting, or the port
			// is briefly held: give them a moment.
			time.Sleep(200 * time.Millisecond)
		default:
			return fmt.Errorf("pgcluster: start postgres on 127.0.0.1:%d with data %s: %w\nserver log:\n%s",
				c.port, c.opts.DataDir, err, c.log.String())
		}
	}
}

// launch starts the postmaster. Three process attributes matter:
//   - Pdeathsig: the kernel sends SIGQUIT (immediate shutdown) to the server
//     when the thread that started it dies, so a test binary or `make run`
//     killed with -9 never leaves a server behind. It is tied to a thread,
//     not the process, hence the locked OS thread kept alive until Wait.
//   - Setpgid: the server has its own process group, so a Ctrl-C in the
//     terminal reaches only the Go program, which stops its users first and
//     the database last; and Kill can SIGKILL postmaster and backends at once.
//   - Credential: run as the postgres user when we are root.
func (c *Cluster) launch() (*server, error) {
	args := []string{
		"-D", c.opts.DataDir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "max_connections=200",
	}
	if c.opts.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = c.log, c.log
	// Backends inherit the log pipe; never let one that lingers block Wait.
	cmd.WaitDelay = 5 * time.Second
	attr := c.sysProcAttr()
	attr.Pdeathsig = syscall.SIGQUIT
	attr.Setpgid = true
	cmd.SysProcAttr = attr

	srv := &server{done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		srv.pid = cmd.Process.Pid
		started <- nil
		srv.err = cmd.Wait()
		close(srv.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("pgcluster: run %s: %w", cmd.Path, err)
	}
	return srv, nil
}

// waitReady connects until the server answers, it exits, or ctx ends.
func (c *Cluster) waitReady(ctx context.Context, srv *server) error {
	dsn := c.DSN("postgres")
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(attemptCtx, dsn)
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-srv.done:
			return fmt.Errorf("server exited during start-up: %v", srv.err)
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// clearStalePID removes a postmaster.pid left by a server that died without
// cleaning up (kill -9, power loss). PostgreSQL removes such files itself
// when their PID is unused, but after a restart of a container PIDs are
// small and reused, and it would then refuse to start. A live postgres
// process holding the directory is a real conflict and reported.
func (c *Cluster) clearStalePID() error {
	path := filepath.Join(c.opts.DataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err == nil && pid > 0 && isPostgres(pid) {
		return fmt.Errorf("pgcluster: a postgres server (pid %d) is already running on %s; stop it first", pid, c.opts.DataDir)
	}
	c.logf("removing stale %s", path)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: remove stale postmaster.pid: %w", err)
	}
	return nil
}

// isPostgres reports whether pid is a live postgres process.
func isPostgres(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) // no /proc: assume the worst
	}
	return strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres")
}

// stop asks for a fast shutdown and waits; when ctx ends first it kills.
func (s *server) stop(ctx context.Context) error {
	select {
	case <-s.done:
		return nil // already gone (crashed, or killed from outside)
	default:
	}
	if err := syscall.Kill(s.pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pgcluster: signal postgres: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		_ = s.kill()
		return fmt.Errorf("pgcluster: postgres did not stop in time, killed it: %w", ctx.Err())
	}
}

// kill SIGKILLs the server's whole process group and waits for the
// postmaster to be reaped.
func (s *server) kill() error {
	if err := syscall.Kill(-s.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pgcluster: kill postgres: %w", err)
	}
	<-s.done
	return nil
}
