package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/testenv"
)

// apiProcess is cmd/api running as a process of its own, to be killed.
type apiProcess struct {
	t    *testing.T
	bin  string
	env  []string
	addr string
	log  *os.File
	cmd  *exec.Cmd
}

// buildAPI builds cmd/api into a temporary directory.
func buildAPI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "api")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/facturo/facturo/cmd/api").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cmd/api: %v\n%s", err, out)
	}
	return bin
}

// start runs the binary and waits until it is ready.
func (p *apiProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin)
	p.cmd.Env = append(os.Environ(), append(p.env, "FACTURO_ADDR="+p.addr)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("api not ready: %v (log in %s)", err, p.log.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill sends SIGKILL and reaps the process.
func (p *apiProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// keyedWrite is one POST the load sends with its own Idempotency-Key.
type keyedWrite struct {
	key, name string
	status    int    // of the first answer; 0 when none came
	id        string // of the first answer
}

// keyedPost sends body with the key; a transport error (the process died) is
// returned, not fatal.
func (s *system) keyedPost(path, apiKey, idemKey string, body any) (response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return response{}, err
	}
	req, err := http.NewRequest("POST", s.base+path, bytes.NewReader(b))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Idempotency-Key", idemKey)
	res, err := s.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out, nil
}

// An API process is SIGKILLed while writes with idempotency keys are in
// flight, then started again. Every write is retried with its key, as a
// client would (idempotency_key_in_use means: retry shortly): each retry
// gets 2xx, the requests answered before the kill replay their original
// object, and no retry creates a second object.
func TestIdempotencyAfterAPIKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a process")
	}
	bin := buildAPI(t)
	dsn, ns := pgtest.Migrated(t), testenv.NATS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(t.TempDir(), "api.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	p := &apiProcess{t: t, bin: bin, addr: addr, log: logf, env: []string{
		"DATABASE_URL=" + dsn, "NATS_URL=" + ns.URL(), "FACTURO_ADMIN_KEY=" + testAdminKey, "FACTURO_LOG_FORMAT=text"}}
	p.start()
	defer func() { p.kill() }()
	s := newSystem(t, "http://"+addr, nil)
	tk := s.newTenant("kill@example.com")

	writes := killMidLoad(s, p, tk.live)
	p.start()
	unanswered := 0
	for _, w := range writes {
		if w.status == 0 {
			unanswered++
		}
	}
	t.Logf("%d writes, %d unanswered when the process was killed", len(writes), unanswered)
	if unanswered == 0 {
		t.Fatal("the kill left no request unanswered: nothing was tested")
	}
	ids, recovered := map[string]string{}, 0
	for _, w := range writes {
		r := retryWrite(t, s, tk.live, w)
		if w.status == 0 && r.Header.Get("Idempotent-Replayed") == "true" {
			recovered++ // committed before the kill, never answered
		}
		id := r.str("id")
		if r.Status != 201 || id == "" {
			t.Fatalf("retry of %s (first answer %d): %d %s", w.key, w.status, r.Status, r.Raw)
		}
		if w.status == 201 && id != w.id {
			t.Fatalf("retry of %s answered %s, the first answer was %s", w.key, id, w.id)
		}
		if other, dup := ids[id]; dup {
			t.Fatalf("%s and %s answered the same object %s", other, w.key, id)
		}
		ids[id] = w.key
	}
	t.Logf("%d unanswered writes had committed: their retries replayed the committed answer", recovered)
	db, err := postgres.Open(context.Background(), dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var created int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events
		WHERE org_id = $1 AND type = 'client.created'`, tk.orgID).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if created != len(writes) {
		t.Fatalf("%d clients created for %d keyed writes: retries duplicated or lost some", created, len(writes))
	}
}

// killMidLoad sends keyed client creations from 16 workers and SIGKILLs
// the API once some have been answered, while others are in flight.
func killMidLoad(s *system, p *apiProcess, apiKey string) []*keyedWrite {
	const total, workers = 200, 16
	writes := make([]*keyedWrite, total)
	for i := range writes {
		writes[i] = &keyedWrite{key: fmt.Sprintf("kill-%03d", i), name: fmt.Sprintf("Kill %03d SA", i)}
	}
	var next, answered atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				w := writes[i]
				r, err := s.keyedPost("/v1/clients", apiKey, w.key, map[string]any{"legal_name": w.name, "tax_id": "AAA010101AAA"})
				if err != nil {
					continue // the process died under this request: retried later
				}
				w.status, w.id = r.Status, r.str("id")
				if answered.Add(1) == total/4 {
					once.Do(func() { p.kill(); close(killed) })
				}
			}
		})
	}
	wg.Wait()
	once.Do(func() { p.kill(); close(killed) })
	<-killed
	return writes
}

// retryWrite retries w with its key until an answer other than
// idempotency_key_in_use (a request that died before committing holds its
// key for a few seconds).
func retryWrite(t *testing.T, s *system, apiKey string, w *keyedWrite) response {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		r, err := s.keyedPost("/v1/clients", apiKey, w.key, map[string]any{"legal_name": w.name, "tax_id": "AAA010101AAA"})
		if err != nil {
			t.Fatalf("retry of %s: %v", w.key, err)
		}
		if r.Status != http.StatusConflict || r.str("error", "code") != "idempotency_key_in_use" || time.Now().After(deadline) {
			return r
		}
		time.Sleep(250 * time.Millisecond)
	}
}
