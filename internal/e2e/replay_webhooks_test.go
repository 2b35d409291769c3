package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/replay"
	"github.com/facturo/facturo/webhooks"
)

// TestRedeliver lets a receiver fail, then queues its failed deliveries
// again: a dry run changes nothing, the real run sends them once more.
func TestRedeliver(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) {
		c.Webhooks.Schedule = []time.Duration{} // no retries: the first failure is final
		nets, err := webhooks.ParseAllowNets("127.0.0.0/8")
		if err != nil {
			t.Fatal(err)
		}
		c.Webhooks.AllowNets = nets
	})
	var ok atomic.Bool
	var hits atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !ok.Load() {
			w.WriteHeader(500)
		}
	}))
	defer rcv.Close()
	tk := s.newTenant("redeliver@example.com")
	since := time.Now().Add(-time.Minute)
	ep := s.must(201, "POST", "/v1/webhook_endpoints", tk.live,
		map[string]any{"url": rcv.URL, "enabled_events": []string{"client.created"}}).str("id")
	s.must(201, "POST", "/v1/clients", tk.live, acme)
	s.must(201, "POST", "/v1/clients", tk.live, acme)
	r := replay.Redelivery{EndpointID: ep, Since: since, Status: "failed", DryRun: true}
	eventually(t, "two failed deliveries", func() bool {
		res, err := replay.Redeliver(context.Background(), s.svc.Store, r)
		return err == nil && len(res.Delivered) == 2
	})
	before := hits.Load()
	ok.Store(true)
	r.DryRun = false
	res, err := replay.Redeliver(context.Background(), s.svc.Store, r)
	if err != nil || len(res.Delivered) != 2 {
		t.Fatalf("redeliver: %+v, %v", res, err)
	}
	eventually(t, "redelivered", func() bool { return hits.Load() == before+2 })
	r.DryRun = true
	if res, err := replay.Redeliver(context.Background(), s.svc.Store, r); err != nil || len(res.Delivered) != 0 {
		t.Fatalf("failed deliveries after redelivery: %+v, %v", res, err)
	}
}
