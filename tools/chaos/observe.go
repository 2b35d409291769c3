package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/webhooks/delivery"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// settled reports what is still in flight: events not yet relayed, events
// a projection has not applied, events the webhook fan-out has not taken,
// and deliveries still pending.
func settled(ctx context.Context, db *pgxpool.Pool, js jetstream.JetStream) (string, bool, error) {
	var unrelayed, unprojected, pending int64
	err := db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM relay_cursor r
			WHERE r.name = 'main' AND (e.tx_id, e.position) <= (r.tx_id, r.position))),
		(SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM projection_checkpoints p
			WHERE p.name = 'documents' AND (e.tx_id, e.position) <= (p.tx_id, p.position))),
		(SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')`).Scan(&unrelayed, &unprojected, &pending)
	if err != nil {
		return "", false, err
	}
	var fanout uint64
	cons, err := js.Consumer(ctx, events.StreamName, delivery.DefaultDurable)
	if err != nil {
		return "", false, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return "", false, err
	}
	fanout = info.NumPending + uint64(info.NumAckPending)
	s := fmt.Sprintf("unrelayed %d, unprojected %d, fan-out backlog %d, deliveries pending %d", unrelayed, unprojected, fanout, pending)
	return s, unrelayed == 0 && unprojected == 0 && fanout == 0 && pending == 0, nil
}

// drain waits, bounded by timeout, until settled holds twice in a row.
func drain(ctx context.Context, db *pgxpool.Pool, js jetstream.JetStream, timeout time.Duration, logf func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	calm, last := 0, ""
	for {
		s, ok, err := settled(ctx, db, js)
		if err == nil {
			last = s
		}
		if ok {
			calm++
		} else {
			calm = 0
		}
		if calm >= 2 {
			logf("drained: %s", s)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not drained after %s: %s (last error: %v)", timeout, last, err)
		case <-time.After(time.Second):
		}
	}
}

// observe gathers the checker's input from PostgreSQL, JetStream and the
// receivers.
func observe(ctx context.Context, db *pgxpool.Pool, js jetstream.JetStream, l *load, live, test *receiver) (Observed, error) {
	org := l.t.org
	o := Observed{Acked: l.acked(), Writes: l.checkedWrites(), Streams: map[string]bool{}, Documents: map[string]bool{}}
	var err error
	if o.Streams, err = idSet(ctx, db, `SELECT DISTINCT stream_id FROM events WHERE org_id = $1`, org); err != nil {
		return o, err
	}
	created, err := idSet(ctx, db, `SELECT stream_id FROM events WHERE org_id = $1 AND stream_version = 1
		AND type IN ('client.created', 'invoice.created') AND stream_id <> ALL($2)`, org, []string{l.t.liveCli, l.t.testCli})
	if err != nil {
		return o, err
	}
	o.Created = keys(created)
	if o.Documents, err = idSet(ctx, db, `SELECT id FROM documents WHERE org_id = $1`, org); err != nil {
		return o, err
	}
	all, err := idSet(ctx, db, `SELECT id FROM events`)
	if err != nil {
		return o, err
	}
	o.AllEvents = keys(all)
	rows, err := db.Query(ctx, `SELECT id, livemode,
		created_at > (SELECT max(created_at) FROM webhook_endpoints WHERE org_id = $1) + interval '1 second'
		FROM events WHERE org_id = $1 ORDER BY tx_id, position`, org)
	if err != nil {
		return o, err
	}
	if o.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		var sub *bool
		err := r.Scan(&e.ID, &e.Live, &sub)
		e.Subscribed = sub != nil && *sub
		return e, err
	}); err != nil {
		return o, err
	}
	if o.Relayed, err = relayed(ctx, js); err != nil {
		return o, err
	}
	var liveBad, testBad int
	o.LiveGot, _, liveBad, _ = live.snapshot()
	o.TestGot, _, testBad, _ = test.snapshot()
	o.BadSig = liveBad + testBad
	return o, nil
}

func idSet(ctx context.Context, db *pgxpool.Pool, sql string, args ...any) (map[string]bool, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m, nil
}

// relayed reads the Nats-Msg-Id of every message in the stream, headers
// only, with an ordered consumer.
func relayed(ctx context.Context, js jetstream.JetStream) (map[string]bool, error) {
	stream, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	if info.State.Msgs == 0 {
		return out, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{HeadersOnly: true})
	if err != nil {
		return nil, err
	}
	for seen := uint64(0); seen < info.State.Msgs; {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for msg := range batch.Messages() {
			out[msg.Headers().Get(nats.MsgIdHdr)] = true
			n++
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("stream read stalled at %d of %d messages", seen, info.State.Msgs)
		}
		seen += uint64(n)
	}
	return out, nil
}
