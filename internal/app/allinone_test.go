package app

import (
	"io"
	"log/slog"
	"net"
	"strings"
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

// make run tells where the dashboard is and the user key to sign in
// there with; without one, how to make one.
func TestQuickstartPrintsTheDashboard(t *testing.T) {
	var out strings.Builder
	printQuickstart(&out, "http://127.0.0.1:8080", "fact_admin_x", "fact_user_y", ".data")
	for _, want := range []string{"Dashboard: http://127.0.0.1:8080/dashboard\n  sign in with your user key (kept in .data/user_key): fact_user_y\n",
		"USER_KEY=$(cat .data/user_key)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the quickstart lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	printQuickstart(&out, "http://127.0.0.1:8080", "fact_admin_x", "", ".data")
	if !strings.Contains(out.String(), "POST /v1/users with the operator key") {
		t.Errorf("without a user key the quickstart does not say how to make one:\n%s", out.String())
	}
}
