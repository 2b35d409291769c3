package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/delivery"
)

// failingOnce is a scriptedStore whose second claim fails, as a claim
// does when PostgreSQL restarts.
type failingOnce struct {
	*scriptedStore
	mu     sync.Mutex
	claims int
}

func (s *failingOnce) Claim(ctx context.Context, req webhooks.ClaimRequest) ([]webhooks.Claimed, error) {
	s.mu.Lock()
	s.claims++
	n := s.claims
	s.mu.Unlock()
	if n == 2 {
		return nil, errors.New("FATAL: terminating connection due to unexpected postmaster exit")
	}
	return s.scriptedStore.Claim(ctx, req)
}

// A supervisor runs the same Deliverer again when a claim failed. The
// second Run must deliver like the first: it inherited the first one's
// state (stopping, what it held), and went on claiming deliveries that it
// never sent, each hidden from every worker until its lease ran out.
func TestDelivererRunsAgainAfterAFailedClaim(t *testing.T) {
	t.Parallel()
	var got sync.Map
	var n atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, dup := got.LoadOrStore(r.Header.Get("webhook-id"), true); !dup {
			n.Add(1)
		}
	}))
	t.Cleanup(rcv.Close)
	secret, err := webhooks.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	const total = 20
	store := &failingOnce{scriptedStore: &scriptedStore{order: []string{"we_1"}, pending: map[string][]webhooks.Claimed{}}}
	for i := range total {
		store.pending["we_1"] = append(store.pending["we_1"], webhooks.Claimed{DeliveryID: fmt.Sprintf("wd_%d", i),
			Token: "tok", EndpointID: "we_1", URL: rcv.URL, Secrets: []string{secret}, EventID: fmt.Sprintf("evt_%d", i),
			Body: []byte(`{}`), Attempts: 1})
	}
	d := &delivery.Deliverer{Store: store, Config: webhooks.Config{AllowNets: loopback, Timeout: time.Second, DisableAfter: time.Hour},
		Log: slog.New(slog.DiscardHandler), Poll: 20 * time.Millisecond, PerEndpoint: 1}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	if err := d.Run(ctx); err == nil {
		t.Fatal("the first Run ended without the claim's error")
	}
	if n.Load() == 0 || n.Load() == total {
		t.Fatalf("the first Run delivered %d of %d before its claim failed; the test needs some, not all", n.Load(), total)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "every delivery, after the Deliverer ran again", func() bool { return n.Load() == total })
}
