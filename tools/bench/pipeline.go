package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/facturo/facturo/webhooks/stdwebhooks"
	"github.com/nats-io/nats.go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// stamps records the first time each id was seen.
type stamps struct {
	mu sync.Mutex
	at map[string]time.Time
	n  int
}

func newStamps() *stamps { return &stamps{at: map[string]time.Time{}} }

func (s *stamps) mark(id string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if _, ok := s.at[id]; !ok {
		s.at[id] = now
	}
}

func (s *stamps) get(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.at[id]
	return t, ok
}

func (s *stamps) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// pipeline measures, at a fixed rate, the time from the API's 2xx to the
// relay's publish (a core NATS subscriber on the stream's subjects), to the
// invoice visible in the documents projection, and to the webhook received
// by a local receiver; then the delivery throughput of a burst against a
// plain loop of signed POSTs to the same receiver.
func pipeline(ctx context.Context, s *system, key string, rate int, d time.Duration, burst int) ([]Row, error) {
	hooks := newStamps()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hooks.mark(r.Header.Get("webhook-id"))
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	ep, err := s.post("POST", "/v1/webhook_endpoints", key, map[string]any{"url": rcv.URL, "enabled_events": []string{"invoice.created"}}, 201)
	if err != nil {
		return nil, err
	}
	secret := ep["secret"].(string)
	published := newStamps()
	sub, err := s.svc.NC.Subscribe("events.live.>", func(m *nats.Msg) { published.mark(m.Header.Get(nats.MsgIdHdr)) })
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	c, err := s.post("POST", "/v1/clients", key, map[string]any{"legal_name": "Pipeline SA", "tax_id": "AAA010101AAA"}, 201)
	if err != nil {
		return nil, err
	}
	client := c["id"].(string)
	visible := newStamps()
	pctx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	go func() {
		for pctx.Err() == nil {
			rows, err := s.svc.DB.Pool.Query(pctx, `SELECT id FROM documents WHERE kind = 'invoice' AND client_id = $1`, client)
			if err == nil {
				for rows.Next() {
					var id string
					if rows.Scan(&id) == nil {
						visible.mark(id)
					}
				}
				rows.Close()
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	acked := map[string]time.Time{}
	t := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: s.base + "/v1/invoices", Body: invoiceBody(client), Header: bearer(key)})
	attack(t, 8, rate, d, func(r *vegeta.Result) {
		if r.Code == 201 {
			acked[decodeID(r.Body)] = r.Timestamp.Add(r.Latency)
		}
	})
	eventOf := map[string]string{}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (hooks.count() < len(acked) || visible.count() < len(acked)) {
		sleepCtx(ctx, 50*time.Millisecond)
	}
	rows, err := s.svc.DB.Pool.Query(ctx, `SELECT stream_id, id FROM events WHERE type = 'invoice.created'`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var inv, evt string
		if err := rows.Scan(&inv, &evt); err != nil {
			return nil, err
		}
		eventOf[inv] = evt
	}
	rows.Close()
	var pub, vis, hook []time.Duration
	for inv, at := range acked {
		if p, ok := published.get(eventOf[inv]); ok {
			pub = append(pub, p.Sub(at))
		}
		if v, ok := visible.get(inv); ok {
			vis = append(vis, v.Sub(at))
		}
		if h, ok := hooks.get(eventOf[inv]); ok {
			hook = append(hook, h.Sub(at))
		}
	}
	label := fmt.Sprintf(" (%d req/s, %d writes)", rate, len(acked))
	rowsOut := []Row{
		{"pipeline 2xx → relay publish p50/p95/p99" + label, pct(pub, len(acked)), "", ""},
		{"pipeline 2xx → projection visible p50/p95/p99", pct(vis, len(acked)), "", ""},
		{"pipeline 2xx → webhook received p50/p95/p99", pct(hook, len(acked)), "", ""},
	}

	// Delivery throughput: a burst of writes, then the receiver's arrival
	// rate; the baseline is a plain loop of signed POSTs from this process.
	start := hooks.count()
	tb := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: s.base + "/v1/invoices", Body: invoiceBody(client), Header: bearer(key)})
	a := vegeta.NewAttacker(vegeta.Workers(8), vegeta.MaxWorkers(8), vegeta.KeepAlive(true))
	n := 0
	for range a.Attack(tb, vegeta.Rate{Freq: 0, Per: time.Second}, 0, "burst") {
		n++
		if n >= burst {
			a.Stop()
		}
	}
	var first, last time.Time
	deadline = time.Now().Add(60 * time.Second)
	for hooks.count()-start < n && time.Now().Before(deadline) {
		if first.IsZero() && hooks.count() > start {
			first = time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
	last = time.Now()
	if first.IsZero() {
		first = last
	}
	delivered := hooks.count() - start
	hookRate := float64(delivered) / last.Sub(first).Seconds()
	body := []byte(`{"type":"invoice.created","data":{"object":{"id":"inv_x","total":"725.87"}}}`)
	cl := &http.Client{}
	t0 := time.Now()
	for i := 0; i < burst; i++ {
		req, _ := http.NewRequest("POST", rcv.URL, bytes.NewReader(body))
		if err := stdwebhooks.Headers(req.Header, []string{secret}, fmt.Sprintf("msg_%d", i), time.Now(), body); err != nil {
			return nil, err
		}
		res, err := cl.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	loopRate := float64(burst) / time.Since(t0).Seconds()
	rowsOut = append(rowsOut, Row{fmt.Sprintf("webhook deliveries/s (burst of %d writes, %d delivered)", n, delivered), f1(hookRate), f1(loopRate) + " (plain loop of signed POSTs)", ratio(hookRate, loopRate)})
	return rowsOut, nil
}

// pct formats p50/p95/p99 of ds, noting any of want that never arrived.
func pct(ds []time.Duration, want int) string {
	if len(ds) == 0 {
		return "none arrived"
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	s := ms(at(0.50)) + " / " + ms(at(0.95)) + " / " + ms(at(0.99))
	if len(ds) < want {
		s += fmt.Sprintf(" (%d of %d arrived)", len(ds), want)
	}
	return s
}
