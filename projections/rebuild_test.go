package projections_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/projections"
)

// The stream-major rebuild of the documents folds each stream as of the
// snapshot it reads, which may hold events past the catch-up cursor, and
// must still leave every event after that cursor to the catch-up and the
// live runner. Here a transaction that appended to client a stays open
// through the rebuild (it holds the snapshot horizon) while client b's
// second event commits after it: the rebuilt table shows b as of its
// second event, the checkpoint stays before both second events, and
// applying what follows the checkpoint, as the live runner does once the
// transaction commits, gives both clients their latest document.
func TestStreamMajorRebuildLeavesEveryEventPastItsCursorToTheRunner(t *testing.T) {
	ctx := context.Background()
	if err := app.InstallEventTypes(); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, pgtest.Migrated(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	store := postgres.NewEventStore(db, events.Upcast)
	write := func(id, typ, name string) {
		t.Helper()
		_, err := store.Execute(ctx, events.Stream{ID: id, OrgID: "org_t", Livemode: true}, events.Metadata{},
			func(context.Context, *postgres.Tx, []events.Event) ([]events.Draft, error) {
				return []events.Draft{{Type: typ, Data: map[string]string{"legal_name": name}}}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
	write("cli_a", events.ClientCreated, "A1")
	write("cli_b", events.ClientCreated, "B1")

	appended, release, committed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := store.Run(ctx, events.Metadata{}, func(tx *postgres.Tx) error {
			if _, err := tx.Append(ctx, events.Stream{ID: "cli_a", OrgID: "org_t", Livemode: true}, 1,
				events.Draft{Type: events.ClientUpdated, Data: map[string]string{"legal_name": "A2"}}); err != nil {
				return err
			}
			close(appended)
			<-release
			return nil
		})
		committed <- err
	}()
	<-appended
	write("cli_b", events.ClientUpdated, "B2")

	docs := projections.NewDocuments(app.DocumentKinds()...)
	rb := &projections.Rebuilder{DB: db, Store: store, BatchSize: 1}
	if _, err := rb.Rebuild(ctx, docs, true); err != nil {
		close(release)
		t.Fatal(err)
	}
	if got := documentVersions(t, db); got["cli_a"] != 1 || got["cli_b"] != 2 {
		t.Errorf("rebuilt documents at versions %v, want cli_a 1 (its update is uncommitted), cli_b 2", got)
	}
	close(release)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}

	cp, err := projections.ReadCheckpoint(ctx, db, docs.Name())
	if err != nil {
		t.Fatal(err)
	}
	after, err := store.ReadAfter(ctx, db.Pool, cp.Cursor, 100)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]int{}
	for _, e := range after {
		left[e.StreamID] = e.StreamVersion
	}
	if left["cli_a"] != 2 || left["cli_b"] != 2 {
		t.Fatalf("after the rebuilt checkpoint the runner reads %v, want the second events of cli_a and cli_b", left)
	}
	err = db.Transact(ctx, func(tx pgx.Tx) error { return projections.ApplyAll(ctx, tx, docs, after) })
	if err != nil {
		t.Fatal(err)
	}
	if got := documentVersions(t, db); got["cli_a"] != 2 || got["cli_b"] != 2 {
		t.Errorf("documents after the runner's next batch at versions %v, want 2 and 2", got)
	}
	var name string
	if err := db.Pool.QueryRow(ctx, `SELECT data FROM documents WHERE id = 'cli_a'`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	var view struct {
		LegalName string `json:"legal_name"`
	}
	if err := json.Unmarshal([]byte(name), &view); err != nil || view.LegalName != "A2" {
		t.Errorf("cli_a's document %s, want legal_name A2", name)
	}
}

func documentVersions(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT id, version FROM documents`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}
