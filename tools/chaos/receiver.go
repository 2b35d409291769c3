package chaos

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/facturo/facturo/client/webhook"
)

// Shares of the receiver's misbehaviour; the rest answer 200.
const (
	failShare = 0.20 // 500
	hangShare = 0.05 // no answer for longer than the delivery timeout
	slowShare = 0.10 // 429 with Retry-After: 1
)

// receiver is a webhook endpoint that misbehaves on purpose. It verifies
// every signature, and counts a delivery as received only when it answers
// 200: what the sender may rightly consider delivered.
type receiver struct {
	srv  *httptest.Server
	hang time.Duration

	mu       sync.Mutex
	verifier *webhook.Verifier
	got      map[string]int // event id -> 200 answers
	requests int
	badSig   int
	faults   map[int]int // injected status (0: hang) -> count
}

func newReceiver(hang time.Duration) *receiver {
	r := &receiver{hang: hang, got: map[string]int{}, faults: map[int]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

func (r *receiver) setSecret(secret string) error {
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.verifier = v
	r.mu.Unlock()
	return nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests++
	v := r.verifier
	r.mu.Unlock()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if v == nil || v.Verify(req.Header, body) != nil {
		r.mu.Lock()
		r.badSig++
		r.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch x := rand.Float64(); {
	case x < hangShare:
		r.fault(0)
		select {
		case <-req.Context().Done():
		case <-time.After(r.hang):
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	case x < hangShare+failShare:
		r.fault(500)
		w.WriteHeader(http.StatusInternalServerError)
		return
	case x < hangShare+failShare+slowShare:
		r.fault(429)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	r.mu.Lock()
	r.got[req.Header.Get(webhook.HeaderID)]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) fault(code int) {
	r.mu.Lock()
	r.faults[code]++
	r.mu.Unlock()
}

// snapshot copies what the receiver saw.
func (r *receiver) snapshot() (got map[string]int, requests, badSig int, faults map[int]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, faults = make(map[string]int, len(r.got)), make(map[int]int, len(r.faults))
	for k, v := range r.got {
		got[k] = v
	}
	for k, v := range r.faults {
		faults[k] = v
	}
	return got, r.requests, r.badSig, faults
}
