package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The relay reads only below a horizon: events of a transaction that may
// still commit are never passed over (see package relay). The horizon was
// the oldest running transaction of the whole server,
// pg_snapshot_xmin(pg_current_snapshot()), so any transaction holding a
// transaction id held back every event committed after it began, even one
// that can never append an event. Under load the projection runner's
// batches (tens of milliseconds each, one after another) were often the
// oldest: events waited for them to publish, the projection then got
// them in larger batches, which held the horizon longer.
//
// relayHorizonSQL is the horizon without the transactions that declared,
// with NoEvents, that they append no events: the oldest other transaction
// running in the statement's snapshot, or the snapshot's xmax if there is
// none. It is safe because it is taken in the same statement, with the
// same snapshot, as the read it bounds: a transaction older than the
// horizon either committed before the snapshot (its events are read) or
// was running in it and declared it appends no events; one that gets its
// transaction id later gets one at or above xmax. A declaration is found
// by its advisory lock in pg_locks, read after the snapshot: a declared
// transaction that ended meanwhile is only counted as undeclared, which
// holds the horizon back, never forward. The events_refuse_no_events
// trigger makes a declaring transaction that appends an event fail.
const relayHorizonSQL = `least(pg_snapshot_xmax(pg_current_snapshot()),
	(SELECT min(running) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
	 WHERE xid(running) NOT IN (
		WITH locks AS MATERIALIZED (SELECT locktype, virtualtransaction, transactionid, classid, objid, objsubid FROM pg_locks)
		SELECT x.transactionid FROM locks x JOIN locks d USING (virtualtransaction)
		WHERE x.locktype = 'transactionid' AND x.transactionid IS NOT NULL AND d.locktype = 'advisory'
		  AND d.classid = ` + noEventsClass + ` AND d.objid = ` + noEventsObj + ` AND d.objsubid = 2)))`

// The advisory lock (two int4 keys, so objsubid 2 in pg_locks) by which a
// transaction declares it appends no events.
const (
	noEventsClass = "1717658484" // "fact"
	noEventsObj   = "1852794228" // "noet"
)

// noEventsSQL is the declaration of NoEvents.
const noEventsSQL = `SELECT set_config('synchronous_commit', 'off', true),
	set_config('facturo.no_events', 'on', true),
	pg_advisory_xact_lock_shared(` + noEventsClass + `, ` + noEventsObj + `)`

// NoEvents declares that tx appends no events, so that the relay does not
// wait for it (relayHorizonSQL); appending one then fails. It also lets
// tx commit without waiting for its WAL flush: only for transactions whose
// loss in a crash is repaired by doing them again (a projection batch with
// its checkpoint). Call it first in tx.
func NoEvents(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, noEventsSQL); err != nil {
		return fmt.Errorf("declare a transaction without events: %w", err)
	}
	return nil
}
