package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func fast() Option {
	return WithBackOff(func(int) time.Duration { return time.Millisecond })
}

// A POST that meets 5xx answers is retried with the same Idempotency-Key,
// so the server can answer the retry with the first result.
func TestPostRetriesWithOneIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n < 3 {
			w.WriteHeader(502)
			_, _ = w.Write([]byte(`{"error":{"type":"api_error","code":"internal_error","message":"x","request_id":"req_1","doc_url":"d"}}`))
			return
		}
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"cli_1","object":"client","legal_name":"ACME"}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "k", fast())
	got, err := c.Clients.Create(context.Background(), ClientInput{LegalName: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "cli_1" || len(keys) != 3 || keys[0] == "" || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("got %+v after keys %q", got, keys)
	}
}

// A network error is retried; a 4xx is not, and comes back typed.
func TestErrorsAreTypedAndFinal(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 { // drop the connection: a network error
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		w.Header().Set("X-Request-Id", "req_2")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"parameter_missing","message":"tax_id is required.","param":"tax_id","request_id":"req_2","doc_url":"https://docs.facturo.dev/errors#parameter_missing"}}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "k", fast())
	_, err := c.Clients.Create(context.Background(), ClientInput{LegalName: "ACME"})
	var e *Error
	if !asError(err, &e) || e.Code != "parameter_missing" || e.Param != "tax_id" || e.RequestID != "req_2" || e.Status != 400 {
		t.Fatalf("err = %#v", err)
	}
	if calls != 2 {
		t.Fatalf("%d calls, want 2 (one retry after the network error, none after the 400)", calls)
	}
	if !IsCode(err, "parameter_missing") {
		t.Fatal("IsCode")
	}
}

// PATCH is not retried: the server keeps no idempotency key for it.
func TestPatchIsNotRetried(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(503)
	}))
	defer srv.Close()
	_, err := New(srv.URL, "k", fast()).Clients.Update(context.Background(), "cli_1", ClientPatch{})
	if err == nil || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

func asError(err error, target **Error) bool {
	return errors.As(err, target)
}

// The default delays grow from about 200 ms, stay within ±50 %, and stop
// growing at 5 s.
func TestExponentialBackOff(t *testing.T) {
	f := ExponentialBackOff(200*time.Millisecond, 5*time.Second)
	for retry, base := range map[int]time.Duration{1: 200 * time.Millisecond, 2: 400 * time.Millisecond, 3: 800 * time.Millisecond, 10: 5 * time.Second, 100: 5 * time.Second} {
		for range 50 {
			if d := f(retry); d < base/2 || d > base*3/2 {
				t.Fatalf("retry %d waits %s, want %s ± 50%%", retry, d, base)
			}
		}
	}
	if d := ExponentialBackOff(0, time.Second)(3); d != 0 {
		t.Fatalf("zero initial delay waits %s", d)
	}
}

// A canceled context ends the waits between retries.
func TestRetryStopsWithContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c := New(srv.URL, "k", WithBackOff(func(int) time.Duration { return time.Hour }))
	start := time.Now()
	_, err := c.Clients.Get(ctx, "cli_1")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}
