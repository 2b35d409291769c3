package natsjs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
)

func setup(t *testing.T) (*Embedded, *nats.Conn, jetstream.Stream) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	nc, err := Connect(e.URL(), "natsjs-test", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := EnsureStream(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	// Idempotent: every process calls it at start-up.
	s, err := EnsureStream(ctx, js, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e, nc, s
}

func msgs(t *testing.T, s jetstream.Stream) uint64 {
	t.Helper()
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestEnsureStreamConfig(t *testing.T) {
	t.Parallel()
	_, _, s := setup(t)
	cfg := s.CachedInfo().Config
	if cfg.Name != events.StreamName || len(cfg.Subjects) != 1 || cfg.Subjects[0] != "events.>" {
		t.Errorf("name/subjects = %q %q", cfg.Name, cfg.Subjects)
	}
	if cfg.Storage != jetstream.FileStorage || cfg.Retention != jetstream.LimitsPolicy ||
		cfg.MaxAge != 0 || cfg.Duplicates != 2*time.Minute || cfg.Replicas != 1 {
		t.Errorf("config = %+v", cfg)
	}
}

func TestPublishDeduplicatesByMsgID(t *testing.T) {
	t.Parallel()
	_, nc, s := setup(t)
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	subj := "events.test.org_1.invoice.created"
	for i, wantDup := range []bool{false, true} {
		ack, err := js.Publish(ctx, subj, []byte(`{}`), jetstream.WithMsgID("evt_1"))
		if err != nil {
			t.Fatal(err)
		}
		if ack.Duplicate != wantDup {
			t.Errorf("publish %d: Duplicate = %v, want %v", i, ack.Duplicate, wantDup)
		}
	}
	if got, want := msgs(t, s), uint64(1); got != want {
		t.Errorf("messages = %d, want %d", got, want)
	}
}

func TestRestartKeepsMessages(t *testing.T) {
	t.Parallel()
	e, nc, _ := setup(t)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, id := range []string{"evt_1", "evt_2"} {
		if _, err := js.Publish(ctx, "events.live.org_1.invoice.sent", []byte(id), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	url := e.URL()
	if err := e.Restart(); err != nil {
		t.Fatal(err)
	}
	if e.URL() != url {
		t.Errorf("URL after Restart = %s, want %s", e.URL(), url)
	}
	// The client reconnects by itself. A JetStream request sent while the
	// client has not yet noticed the old connection is gone is lost, so
	// each attempt gets a short deadline, as production callers should.
	var info *jetstream.StreamInfo
	for info == nil {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		s, err := js.Stream(attempt, events.StreamName)
		if err == nil {
			info, err = s.Info(attempt)
		}
		cancelAttempt()
		if ctx.Err() != nil {
			t.Fatalf("stream not reachable after Restart: %v", err)
		}
	}
	if got, want := info.State.Msgs, uint64(2); got != want {
		t.Errorf("messages after Restart = %d, want %d", got, want)
	}
	// The dedupe window survives the restart too.
	ack, err := js.Publish(ctx, "events.live.org_1.invoice.sent", []byte("evt_2"), jetstream.WithMsgID("evt_2"))
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Duplicate {
		t.Error("re-publish of evt_2 after Restart was not detected as a duplicate")
	}
}

func TestReconnectDelay(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		lo, hi   time.Duration
	}{
		{1, reconnectMin / 2, reconnectMin},
		{3, 2 * reconnectMin, 4 * reconnectMin},
		{1000, reconnectMax / 2, reconnectMax},
	} {
		for range 50 {
			if got := reconnectDelay(tc.attempts); got < tc.lo || got > tc.hi {
				t.Errorf("reconnectDelay(%d) = %v, want in [%v, %v]", tc.attempts, got, tc.lo, tc.hi)
			}
		}
	}
}

// TestCloseIsQuiet: closing a connection on purpose logs nothing (a
// command that succeeds ends without "disconnected" lines), and Close
// returns only after the connection's last callback, so nothing it could
// log outlives the caller (the log below is deliberately unsynchronized:
// the race detector checks it).
func TestCloseIsQuiet(t *testing.T) {
	t.Parallel()
	e, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	var lines []string
	nc, err := Connect(e.URL(), "close-test", func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	Close(nc, 5*time.Second)
	if !nc.IsClosed() || len(lines) != 0 {
		t.Errorf("closed = %v, log = %q", nc.IsClosed(), lines)
	}
	Close(nc, 5*time.Second) // a second Close returns at once

	// A server going away is still news.
	got := make(chan string, 10)
	nc, err = Connect(e.URL(), "close-test", func(f string, a ...any) { got <- fmt.Sprintf(f, a...) })
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	e.Shutdown()
	select {
	case line := <-got:
		if !strings.Contains(line, "disconnected") {
			t.Errorf("server shutdown logged %q, want a disconnect", line)
		}
	case <-time.After(10 * time.Second):
		t.Error("server shutdown logged nothing")
	}
}
