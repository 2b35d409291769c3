package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/webhooks"
	"github.com/jackc/pgx/v5"
)

// PrepareFanout implements delivery.FanoutStore: one statement matches
// the subscribed endpoints of every event of evs, and render loads and
// renders only the events that have one. It writes nothing.
func (s *WebhookStore) PrepareFanout(ctx context.Context, evs []events.Event, render webhooks.RenderFunc) (webhooks.Fanout, error) {
	f := webhooks.Fanout{Events: evs}
	if len(evs) == 0 {
		return f, nil
	}
	orgs, modes, ats, types := make([]string, len(evs)), make([]bool, len(evs)), make([]time.Time, len(evs)), make([]string, len(evs))
	for i, e := range evs {
		orgs[i], modes[i], ats[i], types[i] = e.OrgID, e.Livemode, e.CreatedAt, e.Type
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT ev.i - 1, e.id
		FROM unnest($1::text[], $2::bool[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS ev (org, live, at, type, i)
		JOIN webhook_endpoints e ON e.org_id = ev.org AND e.livemode = ev.live AND e.status = 'enabled'
			AND e.created_at <= ev.at AND ('*' = ANY (e.enabled_events) OR ev.type = ANY (e.enabled_events))
		ORDER BY ev.i, e.id`,
		orgs, modes, ats, types)
	if err != nil {
		return f, fmt.Errorf("subscribed endpoints: %w", err)
	}
	matches, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (webhooks.FanoutDelivery, error) {
		var m webhooks.FanoutDelivery
		return m, r.Scan(&m.Event, &m.Endpoint)
	})
	if err != nil {
		return f, fmt.Errorf("subscribed endpoints: %w", err)
	}
	if len(matches) == 0 {
		return f, nil
	}
	var subscribed []events.Event // in evs' order, each once
	bodyOf := map[int]int{}       // index in evs → index in subscribed
	for _, m := range matches {
		if _, ok := bodyOf[m.Event]; !ok {
			bodyOf[m.Event] = len(subscribed)
			subscribed = append(subscribed, evs[m.Event])
		}
	}
	bodies, err := render(ctx, subscribed)
	if err != nil {
		return f, err
	}
	for i := range matches {
		matches[i].Body = bodies[bodyOf[matches[i].Event]]
	}
	f.Deliveries = matches
	return f, nil
}

// RecordFanout implements delivery.FanoutStore: one INSERT records the
// deliveries of f (one commit, one NOTIFY). It returns how many
// deliveries each event got.
func (s *WebhookStore) RecordFanout(ctx context.Context, f webhooks.Fanout) ([]int, error) {
	counts := make([]int, len(f.Events))
	if len(f.Deliveries) == 0 {
		return counts, nil
	}
	var d deliveryRows
	for _, fd := range f.Deliveries {
		d.add(f.Events[fd.Event], fd.Body, fd.Endpoint)
	}
	inserted, err := insertDeliveries(ctx, s.db.Pool, d)
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(f.Events))
	for i, e := range f.Events {
		index[e.ID] = i
	}
	for _, ev := range inserted {
		counts[index[ev]]++
	}
	return counts, nil
}

// deliveryRows are the columns of the deliveries to insert (fan-out and
// backfill).
type deliveryRows struct {
	ids, orgs, endpoints, events, types, resources []string
	modes                                          []bool
	bodies                                         [][]byte
	ats                                            []time.Time
	versions                                       []int32
	txs, positions                                 []int64
}

// add is the delivery of e to endpoint, sending body.
func (d *deliveryRows) add(e events.Event, body []byte, endpoint string) {
	d.ids = append(d.ids, id.New(id.Delivery))
	d.orgs, d.modes, d.endpoints = append(d.orgs, e.OrgID), append(d.modes, e.Livemode), append(d.endpoints, endpoint)
	d.events, d.types, d.bodies, d.ats = append(d.events, e.ID), append(d.types, e.Type), append(d.bodies, body), append(d.ats, e.CreatedAt)
	d.resources, d.versions = append(d.resources, e.StreamID), append(d.versions, int32(e.StreamVersion))
	d.txs, d.positions = append(d.txs, int64(e.TxID)), append(d.positions, e.Position)
}

// insertDeliveries inserts d in one statement and returns the event ids of
// the rows it added: a delivery already recorded for (event, endpoint)
// stays as it is. Test mode has no external effects: its deliveries are
// recorded as skipped, never retried.
func insertDeliveries(ctx context.Context, q Querier, d deliveryRows) ([]string, error) {
	rows, err := q.Query(ctx, `INSERT INTO webhook_deliveries
			(id, org_id, livemode, endpoint_id, event_id, event_type, body, status, retries, next_attempt_at, event_created_at,
			 resource, resource_version, event_tx, event_position)
		SELECT d.id, d.org, d.live, d.endpoint, d.event, d.type, d.body,
			CASE WHEN d.live THEN 'pending' ELSE 'skipped' END, d.live, CASE WHEN d.live THEN now() END, d.at,
			d.resource, d.version, d.tx, d.position
		FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::timestamptz[],
			$9::text[], $10::int[], $11::bigint[], $12::bigint[])
			AS d (id, org, live, endpoint, event, type, body, at, resource, version, tx, position)
		ON CONFLICT (event_id, endpoint_id) DO NOTHING
		RETURNING event_id`, d.ids, d.orgs, d.modes, d.endpoints, d.events, d.types, d.bodies, d.ats,
		d.resources, d.versions, d.txs, d.positions)
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	return inserted, nil
}

// CompleteBatch implements delivery.DeliveryStore: every attempt of batch
// in one transaction (one commit). It does what Complete does for each,
// with one statement per kind of write: the attempts, the deliveries
// whose lease still holds, and the health of the endpoints that
// succeeded, written only when it changes (so that a busy endpoint's row
// is not rewritten, and locked, by every success). If the transaction
// fails, each attempt is recorded on its own, so that one that cannot be
// does not hold back the others.
func (s *WebhookStore) CompleteBatch(ctx context.Context, batch []webhooks.Completed, disableAfter time.Duration) error {
	if len(batch) == 1 {
		c := batch[0]
		return s.Complete(ctx, c.Claimed, c.Result, c.Decision, disableAfter)
	}
	_, err := s.store.Run(ctx, events.Metadata{Source: "worker"}, func(tx *Tx) error {
		if err := deliveryTx(ctx, tx); err != nil {
			return err
		}
		held, err := recordAttempts(ctx, tx, batch)
		if err != nil {
			return err
		}
		return s.recordHealthBatch(ctx, tx, batch, held, disableAfter)
	})
	if err == nil {
		return nil
	}
	var errs []error
	for _, c := range batch {
		if err := s.Complete(ctx, c.Claimed, c.Result, c.Decision, disableAfter); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Claimed.DeliveryID, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("complete %d of %d attempts: %v", len(errs), len(batch), errs)
	}
	return nil
}

// recordAttempts writes the attempts of batch and applies their decisions
// to the deliveries whose lease is still theirs, which it returns.
func recordAttempts(ctx context.Context, tx *Tx, batch []webhooks.Completed) (map[string]bool, error) {
	n := len(batch)
	ids, deliveries, tokens, statuses, bodies, errs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ats, nexts, codes, durs, truncs := make([]time.Time, n), make([]*time.Time, n), make([]*int32, n), make([]int64, n), make([]bool, n)
	for i, c := range batch {
		res := c.Result
		ids[i], deliveries[i], tokens[i], statuses[i] = id.New(id.DeliveryAttemp), c.Claimed.DeliveryID, c.Claimed.Token, c.Decision.Status
		bodies[i], errs[i], ats[i], durs[i], truncs[i] = res.Body, res.Error, res.At, res.Duration.Milliseconds(), res.Truncated
		if res.StatusCode != 0 {
			code := int32(res.StatusCode)
			codes[i] = &code
		}
		if c.Decision.Status == webhooks.DeliveryPending {
			next := c.Decision.NextAttemptAt
			nexts[i] = &next
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code,
			duration_ms, response_body, response_truncated, error, worker)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::bigint[], $6::text[], $7::bool[], $8::text[], $9::text[])`,
		ids, deliveries, ats, codes, durs, bodies, truncs, errs, tokens); err != nil {
		return nil, fmt.Errorf("record attempts: %w", err)
	}
	rows, err := tx.Query(ctx, completeDeliveriesSQL, deliveries, tokens, statuses, nexts, ats, codes, errs)
	if err != nil {
		return nil, fmt.Errorf("update deliveries: %w", err)
	}
	updated, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("update deliveries: %w", err)
	}
	held := make(map[string]bool, len(updated))
	for _, d := range updated {
		held[d] = true
	}
	return held, nil
}

// completeDeliveriesSQL records the outcome of each leased delivery whose
// lease still holds, and returns those. The deliveries are found by
// d.id = ANY($1), which only the primary key serves: joined on d.id = u.id
// alone, a plan made while the table had no statistics (a young table
// filling up) hashed the unnest and scanned every delivery.
const completeDeliveriesSQL = `UPDATE webhook_deliveries d SET status = u.status, next_attempt_at = u.next, lease_token = NULL,
			leased_until = NULL, last_attempt_at = u.at, last_status_code = u.code, last_error = u.error, updated_at = now()
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::text[])
			AS u (id, token, status, next, at, code, error)
		WHERE d.id = ANY($1::text[]) AND d.id = u.id AND d.lease_token = u.token
		RETURNING d.id`

// recordHealthBatch is recordHealth for the attempts of batch whose lease
// held: one statement for the endpoints that succeeded, then one
// (recordFailures) for the failures that no later success of their
// endpoint in the batch superseded (a disabling answer, such as 410,
// always counts).
func (s *WebhookStore) recordHealthBatch(ctx context.Context, tx *Tx, batch []webhooks.Completed, held map[string]bool, disableAfter time.Duration) error {
	lastSuccess := map[string]time.Time{}
	for _, c := range batch {
		if held[c.Claimed.DeliveryID] && c.Decision.Status == webhooks.DeliverySucceeded && c.Result.At.After(lastSuccess[c.Claimed.EndpointID]) {
			lastSuccess[c.Claimed.EndpointID] = c.Result.At
		}
	}
	if len(lastSuccess) > 0 {
		eps := slices.Sorted(maps.Keys(lastSuccess)) // one lock order for every worker
		ats := make([]time.Time, len(eps))
		for i, ep := range eps {
			ats[i] = lastSuccess[ep]
		}
		// A second's precision is enough for last_success_at; failing_since
		// is cleared whenever it is set.
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints e SET last_success_at = u.at, failing_since = NULL
			FROM unnest($1::text[], $2::timestamptz[]) AS u (id, at)
			WHERE e.id = u.id AND (e.failing_since IS NOT NULL OR e.last_success_at IS NULL
				OR e.last_success_at < u.at - interval '1 second')`, eps, ats); err != nil {
			return fmt.Errorf("endpoint health: %w", err)
		}
	}
	var failures []webhooks.Completed
	for _, c := range batch {
		if !held[c.Claimed.DeliveryID] || c.Decision.Status == webhooks.DeliverySucceeded {
			continue
		}
		if c.Decision.DisableEndpoint == "" && !c.Result.At.After(lastSuccess[c.Claimed.EndpointID]) {
			continue
		}
		failures = append(failures, c)
	}
	return s.recordFailures(ctx, tx, failures, disableAfter)
}

// recordFailures tracks since when the endpoints of failures fail, and
// disables an endpoint on a disabling answer (such as 410) or when it has
// failed for disableAfter without a success. One statement serves every
// endpoint, and it writes an endpoint's row only when the endpoint starts
// failing. It wrote the row for every failure, one statement each: when
// an endpoint went down with a backlog, hundreds of failures ended at
// once, and their transaction took 50-75 ms of round trips and row
// versions, during which the relay, which publishes no event of a later
// transaction while an earlier one may still commit, published nothing
// for any tenant.
func (s *WebhookStore) recordFailures(ctx context.Context, tx *Tx, failures []webhooks.Completed, disableAfter time.Duration) error {
	if len(failures) == 0 {
		return nil
	}
	type failing struct {
		first, last time.Time
		cause       webhooks.Completed // the first disabling failure, else the last
	}
	by := map[string]*failing{}
	for _, c := range failures {
		at := c.Result.At
		f := by[c.Claimed.EndpointID]
		if f == nil {
			f = &failing{first: at, last: at, cause: c}
			by[c.Claimed.EndpointID] = f
		}
		f.first, f.last = minTime(f.first, at), maxTime(f.last, at)
		if f.cause.Decision.DisableEndpoint == "" {
			f.cause = c
		}
	}
	eps := slices.Sorted(maps.Keys(by)) // one lock order for every worker
	firsts := make([]time.Time, len(eps))
	for i, ep := range eps {
		firsts[i] = by[ep].first
	}
	since, err := markFailing(ctx, tx, eps, firsts)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		at, ok := since[ep]
		if !ok {
			continue // deleted meanwhile
		}
		f := by[ep]
		failingSince := f.first
		if at != nil {
			failingSince = *at
		}
		reason := f.cause.Decision.DisableEndpoint
		if reason == "" && f.last.Sub(failingSince) >= disableAfter {
			// Read again under the row's lock: another worker may be
			// recording a success (which clears failing_since) right now.
			var locked *time.Time
			err := tx.QueryRow(ctx, `SELECT failing_since FROM webhook_endpoints WHERE id = $1 FOR UPDATE`, ep).Scan(&locked)
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("endpoint health: %w", err)
			}
			if locked != nil && f.last.Sub(*locked) >= disableAfter {
				failingSince, reason = *locked, webhooks.DisabledFailing
			}
		}
		if reason == "" {
			continue
		}
		if err := s.disable(ctx, tx, f.cause.Claimed, reason, failingSince); err != nil {
			return err
		}
	}
	return nil
}

// markFailing sets failing_since of the endpoints eps that are not failing
// yet to firsts (their first failure), and returns since when each
// endpoint fails (nil: another worker marked it after this statement's
// snapshot, so it started failing just now). The outer SELECT reads the
// rows as they were before the UPDATE, hence started. Deleted endpoints
// are left out.
func markFailing(ctx context.Context, tx *Tx, eps []string, firsts []time.Time) (map[string]*time.Time, error) {
	rows, err := tx.Query(ctx, `WITH u AS (
			SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS u (id, first)
		), started AS (
			UPDATE webhook_endpoints e SET failing_since = u.first FROM u
			WHERE e.id = u.id AND e.failing_since IS NULL
			RETURNING e.id, e.failing_since
		)
		SELECT e.id, coalesce(s.failing_since, e.failing_since)
		FROM webhook_endpoints e LEFT JOIN started s ON s.id = e.id
		WHERE e.id = ANY($1::text[])`, eps, firsts)
	if err != nil {
		return nil, fmt.Errorf("endpoint health: %w", err)
	}
	defer rows.Close()
	since := map[string]*time.Time{}
	for rows.Next() {
		var ep string
		var at *time.Time
		if err := rows.Scan(&ep, &at); err != nil {
			return nil, fmt.Errorf("endpoint health: %w", err)
		}
		since[ep] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("endpoint health: %w", err)
	}
	return since, nil
}

// disable appends the disabling of c's endpoint, for reason, to tx, which
// then commits durably.
func (s *WebhookStore) disable(ctx context.Context, tx *Tx, c webhooks.Claimed, reason string, failingSince time.Time) error {
	if err := durableCommit(ctx, tx); err != nil {
		return err
	}
	tx.meta = events.Metadata{Source: "worker", CausationID: c.EventID}
	st := events.Stream{ID: c.EndpointID, OrgID: c.OrgID, Livemode: c.Livemode}
	_, err := s.executeIn(ctx, tx, st, func(history []events.Event) ([]events.Draft, error) {
		ep, err := webhooks.FoldEndpoint(history)
		if err != nil {
			return nil, err
		}
		fs := failingSince.UTC()
		return ep.Disable(reason, &fs), nil
	})
	return err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
