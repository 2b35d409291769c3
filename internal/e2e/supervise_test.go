package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/testenv"
)

// componentMetric reads facturo_component_<metric>{component=name} from the
// process registry (-1 if absent).
func componentMetric(t *testing.T, svc *app.Services, metric, name string) float64 {
	t.Helper()
	mfs, err := svc.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "facturo_component_"+metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "component" && l.GetValue() == name {
					if g := m.GetGauge(); g != nil {
						return g.GetValue()
					}
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

// An API background component that fails at start is restarted: the
// auth-sync listener of an API that starts before the EVENTS stream exists
// cannot subscribe; /readyz names it, and once the stream exists it is
// running again and the API ready. The worker's readiness reports its
// components the same way.
func TestAPIBackgroundComponentFailingAtStartIsRestarted(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.Migrated(t), "NATS_URL": testenv.NATS(t).URL(), "FACTURO_ADMIN_KEY": testAdminKey}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.BcryptCost = bcrypt.MinCost
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.Connect(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), t.Name())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	// Connect created the stream; take it away again.
	if err := svc.JS.DeleteStream(ctx, events.StreamName); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 2)
	go func() { _ = app.RunAPI(ctx, svc, ln); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done; svc.Close() })
	s := newSystem(t, "http://"+ln.Addr().String(), svc)

	eventually(t, "/readyz naming auth-sync", func() bool {
		r := s.call("GET", "/readyz", "", nil)
		return r.Status == http.StatusServiceUnavailable && strings.Contains(string(r.Raw), "auth-sync")
	})
	if n := componentMetric(t, svc, "restarts_total", "auth-sync"); n < 1 {
		t.Fatalf("auth-sync restarts = %v, want at least 1", n)
	}
	if n := componentMetric(t, svc, "restarts_total", "auth-usage"); n > 0 {
		t.Fatalf("auth-usage restarts = %v, want none", n)
	}

	stream, err := natsjs.EnsureStream(ctx, svc.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the auth-sync listener's consumer on the new stream", func() bool {
		info, err := stream.Info(ctx)
		return err == nil && info.State.Consumers >= 1
	})
	eventually(t, "auth-sync up", func() bool { return componentMetric(t, svc, "up", "auth-sync") == 1 })
	s.must(http.StatusOK, "GET", "/readyz", "", nil)

	svc.Stream = stream // the worker consumes the stream as it is now
	go func() { _ = app.RunWorker(ctx, svc, metricsLn); done <- struct{}{} }()
	eventually(t, "worker /readyz", func() bool {
		res, err := http.Get("http://" + metricsLn.Addr().String() + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK && componentMetric(t, svc, "up", "relay") == 1
	})
}
