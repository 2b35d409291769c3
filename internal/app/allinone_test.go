package app

import (
	"io"
	"log/slog"
	"net"
	"testing"
)

// make run serves the worker's /metrics on FACTURO_METRICS_ADDR, and still
// starts when that port is taken.
func TestListenMetrics(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln := listenMetrics("127.0.0.1:0", log)
	if ln == nil {
		t.Fatal("no listener on a free port")
	}
	defer ln.Close()
	if busy := listenMetrics(ln.Addr().String(), log); busy != nil {
		busy.Close()
		t.Fatal("listened twice on one port")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
}
