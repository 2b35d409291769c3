package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var httpClient = &http.Client{Timeout: 10 * time.Second}

// tenant is the organization under load: one key and one client per mode.
type tenant struct {
	org              string
	liveKey, testKey string
	liveCli, testCli string
}

// load sends writes at a bounded rate through every API, in both modes,
// alternating client creations and invoice drafts, each with its own
// Idempotency-Key, and records every write with its first answer.
type load struct {
	apis []string
	t    tenant

	mu      sync.Mutex
	writes  []*write
	sent    atomic.Int64
	failed  atomic.Int64 // non-2xx or transport error: not acknowledged (retried later)
	dropped atomic.Int64 // never sent: too many in flight
}

// write is one keyed write of the load: what was sent, its first answer
// and the answer to its retry with the same Idempotency-Key.
type write struct {
	key, path, apiKey string
	body              map[string]any
	api               int // index of the API it was first sent to
	live              bool

	firstStatus int    // 0: no answer (transport error, process killed)
	firstID     string // of a 2xx first answer
	retry       retryResult
}

// acked is every object acknowledged with a 2xx, first or on retry:
// id -> livemode.
func (l *load) acked() map[string]bool {
	out := map[string]bool{}
	for _, w := range l.writes {
		if w.firstID != "" {
			out[w.firstID] = w.live
		}
		if w.retry.status/100 == 2 && w.retry.id != "" {
			out[w.retry.id] = w.live
		}
	}
	return out
}

func (l *load) run(ctx context.Context, rate int) {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32) // bounds requests in flight while an outage lasts
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
		select {
		case sem <- struct{}{}:
		default:
			l.dropped.Add(1) // too many in flight: never sent
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			l.write(i)
		}()
	}
}

func (l *load) write(i int) {
	api := l.apis[i%len(l.apis)]
	live := i/len(l.apis)%2 == 0
	key, cli := l.t.testKey, l.t.testCli
	if live {
		key, cli = l.t.liveKey, l.t.liveCli
	}
	path, body := "/v1/clients", map[string]any{"legal_name": fmt.Sprintf("Chaos %d SA", i), "tax_id": "AAA010101AAA"}
	if i/(2*len(l.apis))%2 == 1 {
		path, body = "/v1/invoices", map[string]any{"client": cli, "payment_form": "03", "items": []any{
			map[string]any{"product": map[string]any{"description": "Hour", "price": "100.00",
				"taxes": []any{map[string]any{"type": "IVA", "rate": "0.16"}}}, "quantity": "2"}}}
	}
	w := &write{key: fmt.Sprintf("chaos-%06d", i), path: path, apiKey: key, body: body, api: i % len(l.apis), live: live}
	l.sent.Add(1)
	a, err := send(api, path, key, w.key, body)
	if err == nil {
		w.firstStatus = a.status
		if a.status == 201 {
			w.firstID = a.id
		}
	}
	if w.firstID == "" {
		l.failed.Add(1)
	}
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
}

// answer is what an API answered a POST.
type answer struct {
	status   int
	id       string // of the object in a 2xx answer
	code     string // of an error answer
	replayed bool   // Idempotent-Replayed: true
	raw      []byte
}

// send POSTs a JSON body with an Idempotency-Key (none if empty); err is
// a transport error: no answer.
func send(base, path, key, idemKey string, body any) (answer, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(b))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, raw: raw, replayed: res.Header.Get("Idempotent-Replayed") == "true"}
	var out struct {
		ID    string `json:"id"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &out)
	a.id, a.code = out.ID, out.Error.Code
	return a, nil
}

// post sends a JSON request and decodes the answer, failing unless want.
func post(base, path, key string, body any, want int) (map[string]any, error) {
	a, err := send(base, path, key, "", body)
	if err != nil {
		return nil, err
	}
	if a.status != want {
		return nil, fmt.Errorf("POST %s: %d %s", path, a.status, a.raw)
	}
	var out map[string]any
	if err := json.Unmarshal(a.raw, &out); err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if a.id == "" {
		return nil, fmt.Errorf("POST %s: answer without id: %s", path, a.raw)
	}
	return out, nil
}

// setupTenant creates a user, an organization, a live and a test key, one
// endpoint per mode subscribed to every event, and one client per mode.
func setupTenant(api, adminKey string, live, test *receiver) (tenant, error) {
	var t tenant
	u, err := post(api, "/v1/users", adminKey, map[string]any{"email": "chaos@example.com", "name": "Chaos"}, 201)
	if err != nil {
		return t, err
	}
	user, _ := u["secret_key"].(string)
	o, err := post(api, "/v1/organizations", user, map[string]any{"name": "Chaos"}, 201)
	if err != nil {
		return t, err
	}
	t.org = o["id"].(string)
	for _, m := range []struct {
		mode string
		key  *string
		cli  *string
		rcv  *receiver
	}{{"live", &t.liveKey, &t.liveCli, live}, {"test", &t.testKey, &t.testCli, test}} {
		k, err := post(api, "/v1/organizations/"+t.org+"/api_keys", user, map[string]any{"name": "chaos " + m.mode, "mode": m.mode}, 201)
		if err != nil {
			return t, err
		}
		*m.key, _ = k["secret"].(string)
		ep, err := post(api, "/v1/webhook_endpoints", *m.key, map[string]any{"url": m.rcv.srv.URL, "enabled_events": []string{"*"}}, 201)
		if err != nil {
			return t, err
		}
		secret, _ := ep["secret"].(string)
		if err := m.rcv.setSecret(secret); err != nil {
			return t, err
		}
	}
	// Events from here on must reach the live endpoint (the dispatcher
	// matches endpoints that existed when the event happened).
	time.Sleep(1100 * time.Millisecond)
	for _, m := range []struct{ key, cli *string }{{&t.liveKey, &t.liveCli}, {&t.testKey, &t.testCli}} {
		c, err := post(api, "/v1/clients", *m.key, map[string]any{"legal_name": "Chaos Base SA", "tax_id": "AAA010101AAA"}, 201)
		if err != nil {
			return t, err
		}
		*m.cli = c["id"].(string)
	}
	return t, nil
}
