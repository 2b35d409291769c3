// Package natsjs holds the NATS JetStream plumbing: an embedded server for
// the all-in-one process and tests, a client connection with production
// options, the EVENTS stream definition, and Decode, which every consumer
// of that stream uses to read an event from a message.
package natsjs

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions says where an embedded server keeps its JetStream data and
// which port it listens on.
type EmbeddedOptions struct {
	// StoreDir holds the JetStream file store; required. Keep it across
	// restarts to keep the streams.
	StoreDir string
	// Port on 127.0.0.1; 0 picks a random free one (kept by Restart).
	Port int
	// Logf, when set, receives the server's notices, warnings and errors.
	Logf func(format string, args ...any)
}

// Embedded is an in-process nats-server with JetStream. It is the real
// server, so tests against it exercise what production runs.
type Embedded struct {
	opts EmbeddedOptions

	mu   sync.Mutex
	srv  *server.Server
	port int
}

// readyTimeout bounds how long a start may take to accept clients.
const readyTimeout = 10 * time.Second

// StartEmbedded starts a server and returns once it accepts connections.
func StartEmbedded(opts EmbeddedOptions) (*Embedded, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("natsjs: EmbeddedOptions.StoreDir is required")
	}
	e := &Embedded{opts: opts, port: opts.Port}
	if err := e.start(); err != nil {
		return nil, err
	}
	return e, nil
}

// URL is the client URL, nats://127.0.0.1:port.
func (e *Embedded) URL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return "nats://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(e.port))
}

// Shutdown stops the server and waits until it has. Clients see a
// disconnect and, with Connect's options, keep trying to reconnect.
func (e *Embedded) Shutdown() {
	e.mu.Lock()
	srv := e.srv
	e.srv = nil
	e.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Restart shuts the server down and starts it again on the same port and
// store: streams and their messages survive, connected clients reconnect.
func (e *Embedded) Restart() error {
	e.Shutdown()
	// The port was just released; a start that loses a race for it is
	// retried briefly rather than failing a fault-injection test.
	var err error
	for range 20 {
		if err = e.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func (e *Embedded) start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	port := e.port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	sopts := &server.Options{
		ServerName: "facturo-embedded",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   e.opts.StoreDir,
		NoSigs:     true, // signals belong to the program embedding us
		NoLog:      e.opts.Logf == nil,
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return fmt.Errorf("natsjs: configure embedded server: %w", err)
	}
	if e.opts.Logf != nil {
		srv.SetLoggerV2(serverLogger{e.opts.Logf}, false, false, false)
	}
	srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("natsjs: embedded server on 127.0.0.1:%d (store %s) not ready after %v",
			e.port, e.opts.StoreDir, readyTimeout)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("natsjs: embedded server started without JetStream (store %s)", e.opts.StoreDir)
	}
	addr, ok := srv.Addr().(*net.TCPAddr)
	if !ok {
		srv.Shutdown()
		srv.WaitForShutdown()
		return fmt.Errorf("natsjs: embedded server has no TCP address")
	}
	e.srv, e.port = srv, addr.Port
	return nil
}

// serverLogger adapts Logf to nats-server's logger. Fatalf must not exit the
// process: the embedding program decides what a failed start means.
type serverLogger struct{ logf func(string, ...any) }

func (l serverLogger) Noticef(format string, v ...any) { l.logf("nats: "+format, v...) }
func (l serverLogger) Warnf(format string, v ...any)   { l.logf("nats: warning: "+format, v...) }
func (l serverLogger) Fatalf(format string, v ...any)  { l.logf("nats: fatal: "+format, v...) }
func (l serverLogger) Errorf(format string, v ...any)  { l.logf("nats: error: "+format, v...) }
func (l serverLogger) Debugf(format string, v ...any)  {}
func (l serverLogger) Tracef(format string, v ...any)  {}
