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
// alternating client creations and invoice drafts, and records every object
// acknowledged with a 2xx.
type load struct {
	apis []string
	t    tenant

	mu     sync.Mutex
	acked  map[string]bool // id -> livemode
	sent   atomic.Int64
	failed atomic.Int64 // non-2xx or transport error: not acknowledged, not checked
}

func (l *load) run(ctx context.Context, rate int) {
	l.acked = map[string]bool{}
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
			l.failed.Add(1) // dropped: too many in flight
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
	l.sent.Add(1)
	out, err := post(api, path, key, body, 201)
	if err != nil {
		l.failed.Add(1)
		return
	}
	id, _ := out["id"].(string)
	l.mu.Lock()
	l.acked[id] = live
	l.mu.Unlock()
}

// post sends a JSON request and decodes the answer, failing unless want.
func post(base, path, key string, body any, want int) (map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return nil, fmt.Errorf("POST %s: %d %s", path, res.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if id, _ := out["id"].(string); id == "" {
		return nil, fmt.Errorf("POST %s: answer without id: %s", path, raw)
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
