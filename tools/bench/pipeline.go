package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/facturo/facturo/tools/bench/baseline"

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

// pipelineRig is what the pipeline measurement observes: a webhook
// receiver, a subscriber on the relay's subjects and a poller of the
// documents projection, each stamping the first time it sees an id.
type pipelineRig struct {
	s                         *system
	key, client, secret       string
	rcv                       *httptest.Server
	hooks, published, visible *stamps
	awaited                   idSet // acknowledged invoices not yet visible
	sub                       *nats.Subscription
}

func (p *pipelineRig) close() {
	_ = p.sub.Unsubscribe()
	p.rcv.Close()
}

// newPipelineRig starts the receiver, its endpoint, the subscriber, a
// client to invoice and the poller.
func newPipelineRig(ctx context.Context, s *system, key string) (*pipelineRig, error) {
	p := &pipelineRig{s: s, key: key, hooks: newStamps(), published: newStamps(), visible: newStamps()}
	p.rcv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		p.hooks.mark(r.Header.Get("webhook-id"))
		w.WriteHeader(204)
	}))
	ep, err := s.post("POST", "/v1/webhook_endpoints", key, map[string]any{"url": p.rcv.URL, "enabled_events": []string{"invoice.created"}}, 201)
	if err != nil {
		p.rcv.Close()
		return nil, err
	}
	p.secret = ep["secret"].(string)
	p.sub, err = s.svc.NC.Subscribe("events.live.>", func(m *nats.Msg) { p.published.mark(m.Header.Get(nats.MsgIdHdr)) })
	if err != nil {
		p.rcv.Close()
		return nil, err
	}
	c, err := s.post("POST", "/v1/clients", key, map[string]any{"legal_name": "Pipeline SA", "tax_id": "AAA010101AAA"}, 201)
	if err != nil {
		p.close()
		return nil, err
	}
	p.client = c["id"].(string)
	return p, nil
}

// poll stamps the invoices of the rig's client as the documents
// projection shows them. It runs during latencies only, and asks only for
// the invoices acknowledged and not seen yet (by primary key): a query of
// every invoice of the client, every 2 ms, grew to thousands of rows per
// poll during a run, took CPU from what it measured and stamped late.
func (p *pipelineRig) poll(ctx context.Context) {
	for ctx.Err() == nil {
		if ids := p.awaited.list(); len(ids) > 0 {
			rows, err := p.s.svc.DB.Pool.Query(ctx, `SELECT id FROM documents WHERE kind = 'invoice' AND id = ANY($1)`, ids)
			if err == nil {
				for rows.Next() {
					var id string
					if rows.Scan(&id) == nil {
						p.visible.mark(id)
						p.awaited.remove(id)
					}
				}
				rows.Close()
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// idSet is a set of ids shared between goroutines.
type idSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *idSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	s.ids[id] = true
}

func (s *idSet) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ids, id)
}

func (s *idSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.ids))
	for id := range s.ids {
		out = append(out, id)
	}
	return out
}

func (p *pipelineRig) invoiceTarget() vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: p.s.base + "/v1/invoices", Body: invoiceBody(p.client), Header: bearer(p.key)})
}

// pipeline measures, at a fixed rate, the time from the API's 2xx to the
// relay's publish (a core NATS subscriber on the stream's subjects), to the
// invoice visible in the documents projection, and to the webhook received
// by a local receiver; then the delivery throughput of a burst against a
// plain loop of signed POSTs to the same receiver. With o.HookRate the
// latencies are measured again at that rate; with o.Backlog the deliverer
// drains backlogs that fall due at once (backlog, isolation).
func pipeline(ctx context.Context, s *system, key string, o Options) ([]Row, error) {
	p, err := newPipelineRig(ctx, s, key)
	if err != nil {
		return nil, err
	}
	defer p.close()
	rows, err := p.latencies(ctx, o.Rate, o.Duration)
	if err != nil {
		return nil, err
	}
	row, err := p.throughput(o.Burst)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row)
	if o.Backlog > 0 {
		for _, phase := range []func(context.Context, int) ([]Row, error){p.backlog, p.isolation} {
			r, err := phase(ctx, o.Backlog)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	if o.HookRate > 0 { // last: a rate the write path cannot sustain leaves a queue behind
		fast, err := p.latencies(ctx, o.HookRate, o.Duration)
		if err != nil {
			return nil, err
		}
		rows = append(rows, fast...)
	}
	return rows, nil
}

// latencies writes invoices at rate for d and reports when each was
// published, visible and delivered, measured from its 2xx.
func (p *pipelineRig) latencies(ctx context.Context, rate int, d time.Duration) ([]Row, error) {
	pctx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	go p.poll(pctx)
	acked := map[string]time.Time{}
	hooks0, visible0 := p.hooks.count(), p.visible.count()
	attack(p.invoiceTarget(), 8, rate, d, func(r *vegeta.Result) {
		if r.Code == 201 {
			id := decodeID(r.Body)
			acked[id] = r.Timestamp.Add(r.Latency)
			p.awaited.add(id)
		}
	})
	// The stamps count every earlier row's sightings too: wait for this
	// row's own.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && (p.hooks.count()-hooks0 < len(acked) || p.visible.count()-visible0 < len(acked)) {
		sleepCtx(ctx, 50*time.Millisecond)
	}
	eventOf, err := p.creationEvents(ctx)
	if err != nil {
		return nil, err
	}
	var pub, vis, hook []time.Duration
	for inv, at := range acked {
		if t, ok := p.published.get(eventOf[inv]); ok {
			pub = append(pub, t.Sub(at))
		}
		if t, ok := p.visible.get(inv); ok {
			vis = append(vis, t.Sub(at))
		}
		if t, ok := p.hooks.get(eventOf[inv]); ok {
			hook = append(hook, t.Sub(at))
		}
	}
	label := fmt.Sprintf(" (%d req/s, %d writes)", rate, len(acked))
	return []Row{
		{"pipeline 2xx → relay publish p50/p95/p99" + label, pct(pub, len(acked)), "", ""},
		{"pipeline 2xx → projection visible p50/p95/p99", pct(vis, len(acked)), "", ""},
		{"pipeline 2xx → webhook received p50/p95/p99", pct(hook, len(acked)), "", ""},
	}, nil
}

// creationEvents maps each invoice to the id of its invoice.created event
// (the webhook-id and Nats-Msg-Id of its delivery and publish).
func (p *pipelineRig) creationEvents(ctx context.Context) (map[string]string, error) {
	rows, err := p.s.svc.DB.Pool.Query(ctx, `SELECT stream_id, id FROM events WHERE type = 'invoice.created'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	eventOf := map[string]string{}
	for rows.Next() {
		var inv, evt string
		if err := rows.Scan(&inv, &evt); err != nil {
			return nil, err
		}
		eventOf[inv] = evt
	}
	return eventOf, rows.Err()
}

// throughput sends a burst of writes and measures the receiver's arrival
// rate; the baseline is a plain loop of signed POSTs from this process to
// the same receiver.
func (p *pipelineRig) throughput(burst int) (Row, error) {
	start := p.hooks.count()
	a := vegeta.NewAttacker(vegeta.Workers(8), vegeta.MaxWorkers(8), vegeta.KeepAlive(true))
	n := 0
	for range a.Attack(p.invoiceTarget(), vegeta.Rate{Freq: 0, Per: time.Second}, 0, "burst") {
		n++
		if n >= burst {
			a.Stop()
		}
	}
	var first time.Time
	deadline := time.Now().Add(60 * time.Second)
	for p.hooks.count()-start < n && time.Now().Before(deadline) {
		if first.IsZero() && p.hooks.count() > start {
			first = time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
	last := time.Now()
	if first.IsZero() {
		first = last
	}
	delivered := p.hooks.count() - start
	hookRate := float64(delivered) / last.Sub(first).Seconds()
	loopRate, err := p.plainLoopTo(p.rcv.URL, burst)
	if err != nil {
		return Row{}, err
	}
	return Row{fmt.Sprintf("webhook deliveries/s (burst of %d writes, %d delivered)", n, delivered), f1(hookRate), f1(loopRate) + " (plain loop of signed POSTs)", ratio(hookRate, loopRate)}, nil
}

// plainLoopTo is the webhook baseline (baseline.SignedPOSTs) of a small
// event body to the receiver at url.
func (p *pipelineRig) plainLoopTo(url string, n int) (float64, error) {
	body := []byte(`{"type":"invoice.created","data":{"object":{"id":"inv_x","total":"725.87"}}}`)
	return baseline.SignedPOSTs(url, p.secret, body, n)
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
