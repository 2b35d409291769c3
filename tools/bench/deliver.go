package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"
)

// counter is a webhook receiver that counts what it receives, answering
// 204 after delay.
type counter struct {
	*httptest.Server
	n atomic.Int64
}

func newCounter(delay time.Duration) *counter {
	c := &counter{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c.n.Add(1)
		time.Sleep(delay)
		w.WriteHeader(204)
	}))
	return c
}

// backlogTopic is the event type of the endpoints that only receive
// generated backlogs: nothing else in the run emits it.
const backlogTopic = "client.updated"

// endpointFor creates an endpoint of key's organization for url.
func (s *system) endpointFor(key, url string) (string, error) {
	ep, err := s.post("POST", "/v1/webhook_endpoints", key, map[string]any{"url": url, "enabled_events": []string{backlogTopic}}, 201)
	if err != nil {
		return "", err
	}
	return ep["id"].(string), nil
}

// seedBacklog records n deliveries to endpoint, due in an hour, each a
// copy of a real delivery body; release makes them due at once.
func (s *system) seedBacklog(ctx context.Context, endpoint, tag string, n int) error {
	_, err := s.svc.DB.Pool.Exec(ctx, `INSERT INTO webhook_deliveries
			(id, org_id, livemode, endpoint_id, event_id, event_type, body, status, retries, next_attempt_at, event_created_at)
		SELECT 'wd_' || $2 || '_' || g, e.org_id, e.livemode, e.id, 'evt_' || $2 || '_' || g, $4,
			(SELECT body FROM webhook_deliveries LIMIT 1), 'pending', true, now() + interval '1 hour', now()
		FROM webhook_endpoints e, generate_series(1, $3) g WHERE e.id = $1`, endpoint, tag, n, backlogTopic)
	return err
}

// release makes the backlogs tagged tags due now, in one transaction (its
// NOTIFY wakes the deliverer), and returns when that committed.
func (s *system) release(ctx context.Context, tags ...string) (time.Time, error) {
	var like []string
	for _, t := range tags {
		like = append(like, "wd_"+t+"_%")
	}
	_, err := s.svc.DB.Pool.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = now()
		WHERE id LIKE ANY ($1) AND status = 'pending'`, like)
	return time.Now(), err
}

// drain waits until c has received want more than from, and returns the
// rate since t0.
func drain(ctx context.Context, c *counter, from int64, want int, t0 time.Time) (float64, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for c.n.Load()-from < int64(want) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("backlog: %d of %d delivered", c.n.Load()-from, want)
		}
		time.Sleep(time.Millisecond)
	}
	return float64(want) / time.Since(t0).Seconds(), nil
}

// backlog measures the deliverer draining n deliveries that fall due at
// once to one fast endpoint, against the plain loop of as many signed
// POSTs to the same receiver.
func (p *pipelineRig) backlog(ctx context.Context, n int) ([]Row, error) {
	fast := newCounter(0)
	defer fast.Close()
	ep, err := p.s.endpointFor(p.key, fast.URL)
	if err != nil {
		return nil, err
	}
	if err := p.s.seedBacklog(ctx, ep, "backlog", n); err != nil {
		return nil, err
	}
	t0, err := p.s.release(ctx, "backlog")
	if err != nil {
		return nil, err
	}
	before := p.s.cpuNow()
	rate, err := drain(ctx, fast, 0, n, t0)
	if err != nil {
		return nil, err
	}
	drainCPU := p.s.cpuNow().sub(before)

	before = p.s.cpuNow()
	loop, err := p.plainLoopTo(fast.URL, n)
	if err != nil {
		return nil, err
	}
	loopCPU := p.s.cpuNow().sub(before)
	return []Row{
		{fmt.Sprintf("webhook deliveries/s from a backlog of %d (all due at once, one endpoint)", n),
			f1(rate), f1(loop) + " (plain loop of signed POSTs)", ratio(rate, loop)},
		// The loop runs on one core; the deliverer, its receiver and
		// PostgreSQL share both.
		{"CPU per delivery from the backlog (this process runs the deliverer and the receiver)", cpuSplit(drainCPU, n, "Go"),
			perOp(loopCPU.self, n) + " per POST of the plain loop (sender and receiver)",
			ratio(perOpSeconds(loopCPU, n), perOpSeconds(drainCPU, n))},
	}, nil
}

// slowBacklog keeps the 2 s endpoint busy through the isolation rows.
const slowBacklog = 300

// isolation measures a fast endpoint's backlog alone, then the same
// backlog beside an endpoint that answers in 2 s and has a backlog of its
// own, for a fast endpoint of the slow one's organization (on the same
// host as the slow one) and of another.
func (p *pipelineRig) isolation(ctx context.Context, n int) ([]Row, error) {
	slow, fast := newCounter(2*time.Second), newCounter(0)
	defer slow.Close()
	defer fast.Close()
	otherKey, err := p.s.orgKey("isolation@example.com")
	if err != nil {
		return nil, err
	}
	phases := []struct{ tag, key, url string }{
		{"alone", p.key, fast.URL + "/alone"}, {"slow", p.key, slow.URL},
		{"same", p.key, fast.URL + "/same"}, {"other", otherKey, fast.URL + "/other"},
	}
	for _, ph := range phases {
		ep, err := p.s.endpointFor(ph.key, ph.url)
		if err != nil {
			return nil, err
		}
		m := n
		if ph.tag == "slow" {
			m = slowBacklog
		}
		if err := p.s.seedBacklog(ctx, ep, "iso"+ph.tag, m); err != nil {
			return nil, err
		}
	}
	rates := map[string]float64{}
	for _, tag := range []string{"alone", "same", "other"} {
		release := []string{"iso" + tag}
		if tag == "same" {
			release = append(release, "isoslow")
		}
		from := fast.n.Load()
		t0, err := p.s.release(ctx, release...)
		if err != nil {
			return nil, err
		}
		if rates[tag], err = drain(ctx, fast, from, n, t0); err != nil {
			return nil, err
		}
	}
	label := fmt.Sprintf("%d, beside a 2 s endpoint with a backlog of %d (%d answered meanwhile)", n, slowBacklog, slow.n.Load())
	base := f1(rates["alone"]) + " (same backlog, no slow endpoint)"
	return []Row{
		{"webhook deliveries/s to a fast endpoint of the same organization, backlog of " + label, f1(rates["same"]), base, ratio(rates["same"], rates["alone"])},
		{"... of another organization, the 2 s endpoint still busy", f1(rates["other"]), base, ratio(rates["other"], rates["alone"])},
	}, nil
}

// orgKey creates a user, an organization and a live key for email.
func (s *system) orgKey(email string) (string, error) {
	u, err := s.post("POST", "/v1/users", adminKey, map[string]any{"email": email, "name": "Bench"}, 201)
	if err != nil {
		return "", err
	}
	user := u["secret_key"].(string)
	o, err := s.post("POST", "/v1/organizations", user, map[string]any{"name": "Bench " + email}, 201)
	if err != nil {
		return "", err
	}
	k, err := s.post("POST", "/v1/organizations/"+o["id"].(string)+"/api_keys", user, map[string]any{"name": "bench", "mode": "live"}, 201)
	if err != nil {
		return "", err
	}
	return k["secret"].(string), nil
}
