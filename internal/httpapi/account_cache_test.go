package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/auth/authnats"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
)

// accountName is the organization name GET /v1/account answers.
func accountName(s *keyTestServer, secret string) string {
	s.t.Helper()
	r := s.must(200, ktReq{Method: "GET", Path: "/v1/account", Key: secret})
	org, _ := r.Body["organization"].(map[string]any)
	name, _ := org["name"].(string)
	return name
}

func renameOrganization(s *keyTestServer, tn ktTenant, name string) {
	s.t.Helper()
	s.must(200, ktReq{Method: "PATCH", Path: "/v1/organizations/" + tn.OrgID, Key: tn.UserKey,
		Body: map[string]any{"name": name}})
}

// GET /v1/account answers from the process's memory: a write that this
// process never hears of (process b's, with no relay or listener running)
// leaves process a's warm view as it was, while b, which made the write,
// answers the new one at once. Both processes read one database.
func TestAccountIsServedFromTheProcessCache(t *testing.T) {
	t.Parallel()
	db := newKeyTestDB(t)
	a, b := newKeyTestServer(t, db), newKeyTestServer(t, db)
	tn := a.newTenant("owner@example.com")
	_, secret := a.newKey(tn, nil)
	for _, s := range []*keyTestServer{a, b} {
		if got := accountName(s, secret); got != "Acme" {
			t.Fatalf("warming: name %q", got)
		}
	}
	renameOrganization(b, tn, "Acme Two")
	if got := accountName(b, secret); got != "Acme Two" {
		t.Errorf("the writing process answers %q after its write was acknowledged", got)
	}
	if got := accountName(a, secret); got != "Acme" {
		t.Errorf("process a answers %q: it read the stream instead of its cache", got)
	}
	a.API.Organizations().Observe([]events.Event{{Type: events.OrganizationUpdated, StreamID: tn.OrgID}})
	if got := accountName(a, secret); got != "Acme Two" {
		t.Errorf("process a answers %q after hearing the event", got)
	}
}

// No acknowledged write is followed by a stale answer of the same
// process, even while readers keep folding and caching the organization
// concurrently with the write (a fold read before the commit must not
// land in the cache after it).
func TestAccountIsNeverStaleAfterAWriteOfTheSameProcess(t *testing.T) {
	t.Parallel()
	s := newKeyTestServer(t, newKeyTestDB(t))
	tn := s.newTenant("owner@example.com")
	_, secret := s.newKey(tn, nil)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
					s.API.Organizations().InvalidateAll() // keep the readers folding
					accountName(s, secret)
				}
			}
		}()
	}
	for i := range 20 {
		want := fmt.Sprintf("Acme %d", i)
		renameOrganization(s, tn, want)
		if got := accountName(s, secret); got != want {
			t.Errorf("write %d acknowledged, then GET /v1/account answers %q", i, got)
		}
	}
	close(stop)
	readers.Wait()
}

// Process b's warm view converges on process a's write through the relay
// and b's listener, as keys do (TestRevocationPropagates).
func TestAccountConvergesAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := newKeyTestDB(t)
	a, b := newKeyTestServer(t, db), newKeyTestServer(t, db)
	ns := testenv.NATS(t)
	nc, err := natsjs.Connect(ns.URL(), "account-cache-test", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := natsjs.EnsureStream(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	a.Store.OnCommit = relay.Announce(nc)
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); _ = (&relay.Relay{Store: a.Store, JS: js, Wakes: nc}).Run(relayCtx) }()
	t.Cleanup(func() { stopRelay(); <-relayDone })
	heard := make(chan events.Event, 256)
	l := &authnats.Listener{JS: js, Cache: b.Auth.Cache, Organizations: b.API.Organizations(),
		OnEvent: func(e events.Event) {
			select {
			case heard <- e:
			default:
			}
		}}
	stopListener, err := l.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopListener)

	tn := a.newTenant("owner@example.com")
	_, secret := a.newKey(tn, nil)
	if got := accountName(b, secret); got != "Acme" {
		t.Fatalf("warming b: name %q", got)
	}
	renameOrganization(a, tn, "Acme Two")
	for deadline := time.After(5 * time.Second); ; {
		select {
		case e := <-heard:
			if e.Type != events.OrganizationUpdated {
				continue
			}
		case <-deadline:
			t.Fatal("process b never heard organization.updated")
		}
		break
	}
	if got := accountName(b, secret); got != "Acme Two" {
		t.Errorf("process b answers %q after hearing the write", got)
	}
}
