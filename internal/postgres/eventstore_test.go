package postgres_test

import (
	"context"
	"testing"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/testenv"
)

// The relay order is numeric in the transaction id. Reading it as text once
// sorted tx 10 before tx 9: with a batch boundary between them the relay's
// cursor moved past tx 9, which was then never published.
func TestReadAfterOrdersTransactionsNumerically(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Transaction ids 9 and 10 are long past in any cluster, so both are
	// below the snapshot horizon; tx 10's event even has the lower position.
	_, err = db.Pool.Exec(ctx, `INSERT INTO events (tx_id, id, org_id, livemode, stream_id, stream_version, type, data)
		VALUES ('10', 'evt_ten', 'org_t', true, 'cli_ten', 1, 'client.created', '{}'),
		       ('9', 'evt_nine', 'org_t', true, 'cli_nine', 1, 'client.created', '{}')`)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(db, events.Upcast)
	var got []string
	var cur events.Cursor
	for range 3 {
		batch, err := store.ReadAfter(ctx, db.Pool, cur, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		got = append(got, batch[0].ID)
		cur = batch[0].Cursor()
	}
	if len(got) != 2 || got[0] != "evt_nine" || got[1] != "evt_ten" {
		t.Fatalf("read %v in batches of one, want [evt_nine evt_ten]", got)
	}
}

// An event is never appended to the stream of another kind of object: a
// command that let a client id through as a key id fails with an internal
// error, and its transaction stores nothing.
func TestAppendRefusesAnotherKindOfStream(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewEventStore(db, events.Upcast)
	cli := events.Stream{ID: id.New(id.Client), OrgID: "org_kind", Livemode: true}
	appendTo := func(st events.Stream, expected int, typ string) error {
		_, err := store.Run(ctx, events.Metadata{}, func(tx *postgres.Tx) error {
			_, err := tx.Append(ctx, st, expected, events.Draft{Type: typ, Data: map[string]string{}})
			return err
		})
		return err
	}
	if err := appendTo(cli, 0, events.ClientCreated); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		st  events.Stream
		typ string
	}{
		{cli, events.KeyUpdated},
		{cli, events.OrganizationUpdated},
		{cli, "invoice.issued"},
		{cli, "unknown.thing"},
		{cli, "no_dot"},
		{events.Stream{ID: "key", OrgID: "org_kind", Livemode: true}, events.KeyUpdated},
		{events.Stream{ID: "cli", OrgID: "org_kind", Livemode: true}, events.ClientUpdated},
	} {
		err := appendTo(c.st, 1, c.typ)
		if err == nil || facturo.ErrorCode(err) != facturo.CodeInternal {
			t.Errorf("append %s to %s: %v, want an internal error", c.typ, c.st.ID, err)
		}
	}
	history, err := store.Load(ctx, cli)
	if err != nil || len(history) != 1 {
		t.Fatalf("client stream has %d events (%v), want only client.created", len(history), err)
	}
	if err := appendTo(cli, 1, events.ClientUpdated); err != nil {
		t.Fatalf("client.updated on the client's stream: %v", err)
	}
}

// Appending sends no NOTIFY: a notification queued by every appending
// transaction serialized commits on PostgreSQL's notification lock (of 8
// backends committing, about 6 waited on it). The relay is woken over NATS
// after commit (relay.Announce) instead; the only trigger on events is the
// statement-level check of postgres.NoEvents, which notifies nothing.
func TestAppendingQueuesNoNotification(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, testenv.Postgres(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	var triggers []string
	// events_refuse_no_events (a check that raises, no notification) is
	// the one trigger expected: any that notifies is refused.
	rows, err := db.Pool.Query(ctx, `SELECT t.tgname FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid
		WHERE t.tgrelid = 'events'::regclass AND NOT t.tgisinternal
		  AND (f.prosrc ILIKE '%notify%' OR t.tgname <> 'events_refuse_no_events')
		ORDER BY t.tgname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		triggers = append(triggers, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(triggers) > 0 {
		t.Fatalf("triggers on events: %v, want none", triggers)
	}
}
