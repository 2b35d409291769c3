package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// relayThroughput times the relay (relay.Relay.Drain, what the active
// relay runs when woken) over a backlog of n generated events, in a
// database of its own on the same cluster, into the EVENTS stream of a
// NATS server of its own, so that no consumer of the running system sees
// them. The baseline is JetStream alone: as many messages of the same size
// published asynchronously with a Nats-Msg-Id to a stream of the same
// server, then every PubAck awaited.
func relayThroughput(ctx context.Context, s *system, n int) ([]Row, error) {
	db, streams, gen, err := generateEvents(ctx, s, "relay", n)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(s.dir, "relay-nats")})
	if err != nil {
		return nil, err
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	stream, err := natsjs.EnsureStream(ctx, js, 1)
	if err != nil {
		return nil, err
	}
	store := postgres.NewEventStore(db, events.Upcast)
	sample, err := store.ReadAfter(ctx, db.Pool, events.Cursor{}, 1)
	if err != nil || len(sample) == 0 {
		return nil, fmt.Errorf("relay sample event: %v", err)
	}
	total := streams * eventsPerStream
	took, err := runRelayUntil(ctx, store, js, total)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	if int(info.State.Msgs) != total {
		return nil, fmt.Errorf("relay: stream holds %d events, want %d", info.State.Msgs, total)
	}
	base, err := publishLoop(ctx, js, sample[0], total)
	if err != nil {
		return nil, err
	}
	rate, baseRate := float64(total)/took.Seconds(), float64(total)/base.Seconds()
	return []Row{{
		Figure: fmt.Sprintf("relay events/s PostgreSQL → JetStream (backlog of %d events, %s; generated in %s)",
			total, took.Round(time.Millisecond), gen.Round(time.Second)),
		Value:    f1(rate),
		Baseline: f1(baseRate) + " (plain async JetStream publish of as many messages of the same size)",
		Ratio:    ratio(rate, baseRate),
	}}, nil
}

// runRelayUntil runs the relay as the worker does (Run: it takes the lock,
// reads the cursor, drains) until it has published total events.
func runRelayUntil(ctx context.Context, store *postgres.EventStore, js jetstream.JetStream, total int) (time.Duration, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var published atomic.Int64
	done := make(chan struct{})
	r := &relay.Relay{Store: store, JS: js, Log: slog.New(slog.DiscardHandler), OnPublished: func(b []events.Event) {
		if published.Add(int64(len(b))) == int64(total) {
			close(done)
		}
	}}
	failed := make(chan error, 1)
	t0 := time.Now()
	go func() { failed <- r.Run(rctx) }()
	select {
	case <-done:
		return time.Since(t0), nil
	case err := <-failed:
		return 0, fmt.Errorf("relay stopped after %d events: %v", published.Load(), err)
	}
}

// publishLoop publishes n copies of e's message, each with its own
// Nats-Msg-Id, to a stream of their own, and waits for every PubAck.
func publishLoop(ctx context.Context, js jetstream.JetStream, e events.Event, n int) (time.Duration, error) {
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BASELINE", Subjects: []string{"baseline.>"},
		Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute}); err != nil {
		return 0, err
	}
	msg, err := relay.Message(e)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	futures := make([]jetstream.PubAckFuture, 0, n)
	await := func(f jetstream.PubAckFuture) error {
		select {
		case <-f.Ok():
			return nil
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i := range n {
		if i >= publishWindow { // a sliding window below the client's limit of pending acks
			if err := await(futures[i-publishWindow]); err != nil {
				return 0, err
			}
		}
		m := nats.NewMsg("baseline.events")
		m.Data = msg.Data
		for k, v := range msg.Header { // a header of its own, as the relay builds
			m.Header[k] = v
		}
		f, err := js.PublishMsgAsync(m, jetstream.WithMsgID("evt_"+strconv.Itoa(i)))
		if err != nil {
			return 0, err
		}
		futures = append(futures, f)
	}
	for _, f := range futures[max(0, n-publishWindow):] {
		if err := await(f); err != nil {
			return 0, err
		}
	}
	return time.Since(t0), nil
}

// publishWindow is how many PubAcks the baseline leaves pending.
const publishWindow = 1000
