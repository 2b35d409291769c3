package relay_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type env struct {
	store    *postgres.EventStore
	js       jetstream.JetStream
	stream   jetstream.Stream
	nc       *nats.Conn
	dsn, url string // to connect as another process would
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	db, err := postgres.Open(ctx, dsn, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	url := testenv.NATS(t).URL()
	nc, err := natsjs.Connect(url, t.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := natsjs.EnsureStream(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &env{store: postgres.NewEventStore(db, events.Upcast), js: js, stream: stream, nc: nc, dsn: dsn, url: url}
}

func (e *env) appendOne(t *testing.T, tx pgx.Tx, stream string) string {
	t.Helper()
	var id string
	err := tx.QueryRow(context.Background(), `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, data)
		VALUES ($1, 'org_t', true, $2, 1, 'client.created', '{}') RETURNING id`, "evt_"+stream, stream).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// published reads every message of the stream, in stream order.
func (e *env) published(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	info, err := e.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := e.stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return ids
}

func TestLateCommittingTransactionIsStillRelayedInOrder(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	pool := e.store.DB().Pool
	r := &relay.Relay{Store: e.store, JS: e.js}

	// A takes the lower position, then stays open.
	txA, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback(ctx)
	idA := e.appendOne(t, txA, "cli_A")
	// B takes a higher position and commits first.
	txB, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idB := e.appendOne(t, txB, "cli_B")
	if err := txB.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// A sequence cursor would publish B now and move past A for good. The
	// relay waits: B is above the horizon while A may still commit.
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.published(t); len(got) != 0 {
		t.Fatalf("published %v while an older transaction was open", got)
	}
	if err := txA.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.published(t)
	if fmt.Sprint(got) != fmt.Sprint([]string{idA, idB}) {
		t.Fatalf("published %v, want [%s %s]", got, idA, idB)
	}
}

// flakyPublisher fails every publish after the first n, as a relay killed
// mid-batch would stop.
type flakyPublisher struct {
	relay.Publisher
	n     int64
	calls atomic.Int64
}

func (f *flakyPublisher) PublishMsgAsync(m *nats.Msg, opts ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	if f.calls.Add(1) > f.n {
		return nil, errors.New("killed")
	}
	return f.Publisher.PublishMsgAsync(m, opts...)
}

func TestRelayKilledMidBatchLosesNothing(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	const total = 50
	var want []string
	for i := range total {
		err := e.store.DB().Transact(ctx, func(tx pgx.Tx) error {
			want = append(want, e.appendOne(t, tx, fmt.Sprintf("cli_%02d", i)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The first relay publishes 25 events (one batch of 10 acknowledged and
	// saved, the next published while that one's acks were awaited, five
	// more published but never saved) and dies.
	dying := &relay.Relay{Store: e.store, JS: &flakyPublisher{Publisher: e.js, n: 25}, BatchSize: 10}
	if err := dying.Drain(ctx); err == nil {
		t.Fatal("the dying relay reported success")
	}
	// Its successor resumes from the saved cursor and republishes the
	// unsaved five; JetStream drops them as duplicates by Nats-Msg-Id.
	next := &relay.Relay{Store: e.store, JS: e.js, BatchSize: 10}
	if err := next.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.published(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stream holds %d events %v\nwant %d %v", len(got), got, len(want), want)
	}
}

func TestOnlyOneRelayPublishesAtATime(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	publishedBy := map[int]int{}
	var wg sync.WaitGroup
	for i := range 2 {
		r := &relay.Relay{Store: e.store, JS: e.js, Poll: 50 * time.Millisecond, OnPublished: func(b []events.Event) {
			mu.Lock()
			publishedBy[i] += len(b)
			mu.Unlock()
		}}
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
	}
	const total = 40
	for i := range total {
		err := e.store.DB().Transact(context.Background(), func(tx pgx.Tx) error {
			e.appendOne(t, tx, fmt.Sprintf("cli_%02d", i))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := publishedBy[0] + publishedBy[1]
		mu.Unlock()
		if n >= total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events published", n, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if publishedBy[0]+publishedBy[1] != total || (publishedBy[0] != 0 && publishedBy[1] != 0) {
		t.Fatalf("publication shared between relays: %v (want all %d by one)", publishedBy, total)
	}
	if got := e.published(t); len(got) != total {
		t.Fatalf("stream holds %d events, want %d", len(got), total)
	}
}
