package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one supervised OS process (an api or a worker). The supervisor
// restarts it whenever it exits while the run is on, so a SIGKILL, or an
// exit because PostgreSQL or NATS was away at start-up, costs only time.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  *os.File

	mu       sync.Mutex
	cmd      *exec.Cmd
	stopping bool
	starts   int
	kills    int
	done     chan struct{}
}

func newProc(name, bin string, args, env []string, logPath string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &proc{name: name, bin: bin, args: args, env: env, log: f, done: make(chan struct{})}, nil
}

// supervise runs the process, restarting it after every exit until stop.
func (p *proc) supervise() {
	defer close(p.done)
	for {
		p.mu.Lock()
		if p.stopping {
			p.mu.Unlock()
			return
		}
		cmd := exec.Command(p.bin, p.args...)
		cmd.Env = append(os.Environ(), p.env...)
		cmd.Stdout, cmd.Stderr = p.log, p.log
		err := cmd.Start()
		if err == nil {
			p.cmd = cmd
			p.starts++
		}
		p.mu.Unlock()
		if err == nil {
			err = cmd.Wait()
		}
		fmt.Fprintf(p.log, "chaos: %s exited: %v\n", p.name, err)
		time.Sleep(500 * time.Millisecond)
	}
}

// kill sends SIGKILL to the running copy; supervise starts the next one.
func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		p.kills++
		fmt.Fprintf(p.log, "chaos: SIGKILL %s (pid %d)\n", p.name, p.cmd.Process.Pid)
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
}

// stop ends supervision: SIGTERM, then SIGKILL after grace.
func (p *proc) stop(grace time.Duration) {
	p.mu.Lock()
	p.stopping = true
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		if cmd != nil && cmd.Process != nil {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		<-p.done
	}
	_ = p.log.Close()
}

func (p *proc) counts() (starts, kills int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts, p.kills
}

// waitHTTP polls url until it answers 200 or ctx ends.
func waitHTTP(ctx context.Context, url string) error {
	for {
		res, err := httpClient.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last: %v)", url, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
