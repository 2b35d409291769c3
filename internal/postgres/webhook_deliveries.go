package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/pgnotify"
	"github.com/facturo/facturo/webhooks"
	"github.com/jackc/pgx/v5"
)

// Claim implements delivery.DeliveryStore.
//
// Most endpoints are parallel and unlimited (claimSQL): it finds those
// with deliveries due and room under req.PerEndpoint, oldest due first,
// shares req.Max among them, then locks (SKIP LOCKED, so concurrent
// claims never take the same delivery) only as many due rows of each as
// it takes, and leases them by setting leased_until to the end of the
// lease (a column in no index, so that the claim updates each row in
// place: migration 00160). A delivery can be claimed when it is
// claimable (pending, due and not leased). An endpoint with a backlog is
// found by an index probe, never by reading through another's backlog.
//
// The fifo and rate-limited endpoints (claimGatedSQL) come first, within
// the same req.Max, and only while some exist (hasGated): that statement
// is far costlier to plan, and most claims have none to look at. A fifo
// endpoint's only candidate is its head, its first pending delivery in
// relay order, taken only if due: while the head is in flight (leased)
// or waiting for a retry, nothing behind it is. A rate-limited
// endpoint's deliveries get send slots (Claimed.NotBefore) 1/rate_limit
// seconds apart, up to a second ahead, from its webhook_endpoint_slots
// row, which the claim locks and moves on: every process shares those
// slots. claimSQL never takes a delivery of those endpoints, so that
// their rules hold whatever hasGated says.
func (s *WebhookStore) Claim(ctx context.Context, req webhooks.ClaimRequest) ([]webhooks.Claimed, error) {
	if req.Max <= 0 {
		return nil, nil
	}
	var out []webhooks.Claimed
	gated, err := s.hasGated(ctx)
	if err != nil {
		return nil, err
	}
	if gated {
		if out, err = s.claimWith(ctx, claimGatedSQL, req); err != nil {
			return nil, err
		}
		req.Max -= len(out)
		req.Held = maps.Clone(req.Held)
		if req.Held == nil {
			req.Held = map[string]int{}
		}
		for _, c := range out {
			req.Held[c.EndpointID]++
		}
	}
	if req.Max <= 0 {
		return out, nil
	}
	rest, err := s.claimWith(ctx, claimSQL, req)
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// gatedRecheck is how long hasGated trusts its last answer: an endpoint
// made fifo or rate-limited waits at most this long for its first
// delivery.
const gatedRecheck = time.Second

// hasGated reports whether any enabled endpoint is fifo or rate-limited,
// asking PostgreSQL at most once per gatedRecheck.
func (s *WebhookStore) hasGated(ctx context.Context) (bool, error) {
	s.gatedMu.Lock()
	defer s.gatedMu.Unlock()
	if time.Since(s.gatedAt) < gatedRecheck {
		return s.gated, nil
	}
	err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints
		WHERE status = 'enabled' AND (ordering = 'fifo' OR rate_limit IS NOT NULL))`).Scan(&s.gated)
	if err != nil {
		return false, fmt.Errorf("gated endpoints: %w", err)
	}
	s.gatedAt = time.Now()
	return s.gated, nil
}

// claimWith runs a claim statement (claimSQL, claimGatedSQL) in one round
// trip, in a transaction of deliveryTx's settings.
func (s *WebhookStore) claimWith(ctx context.Context, sql string, req webhooks.ClaimRequest) ([]webhooks.Claimed, error) {
	var busy []string
	var busyN []int32
	for ep, n := range req.Held {
		busy, busyN = append(busy, ep), append(busyN, int32(n))
	}
	token := webhooks.NewLeaseToken()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(deliveryTxSQL)
	claim := b.Queue(sql, busy, busyN, req.PerEndpoint, req.Max, req.Lease.Seconds(), token)
	var out []webhooks.Claimed
	claim.Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, scanClaimed(token))
		return err
	})
	b.Queue(`COMMIT`)
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// claimSQL claims for the parallel, unlimited endpoints: $1, $2 the
// deliveries the worker holds per endpoint, $3 the bound per endpoint,
// $4 the most to take, $5 the lease in seconds, $6 the lease token. The
// UPDATE finds what it picked by d.id = ANY (ARRAY(...)), which only the
// primary key serves: joined on d.id = picked.id, a table that is mostly
// one backlog planned a hash of the picked rows and read every delivery
// (as completeDeliveriesSQL did). claimGatedSQL does the same.
const claimSQL = `WITH due AS (
			SELECT e.id, $3::int - coalesce(b.n, 0) AS room, first.at
			FROM webhook_endpoints e
			LEFT JOIN unnest($1::text[], $2::int[]) AS b (id, n) ON b.id = e.id
			CROSS JOIN LATERAL (SELECT d.next_attempt_at AS at FROM webhook_deliveries d
				WHERE d.endpoint_id = e.id AND ` + claimable + `
				ORDER BY d.next_attempt_at LIMIT 1) first
			WHERE e.status = 'enabled' AND e.ordering = 'parallel' AND e.rate_limit IS NULL
			  AND $3::int - coalesce(b.n, 0) > 0
			ORDER BY first.at, e.id
			LIMIT $4
		), share AS (
			SELECT id, least(room, $4 - coalesce(sum(room) OVER (ORDER BY at, id
				ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
			FROM due
		), picked AS (
			SELECT p.id FROM share CROSS JOIN LATERAL (SELECT d.id FROM webhook_deliveries d
				WHERE d.endpoint_id = share.id AND ` + claimable + `
				ORDER BY d.next_attempt_at
				LIMIT greatest(share.take, 0)
				FOR UPDATE SKIP LOCKED) p
		)
		UPDATE webhook_deliveries d
		SET leased_until = now() + make_interval(secs => $5), lease_token = $6, attempts = d.attempts + 1, updated_at = now()
		FROM webhook_endpoints e
		WHERE d.id = ANY (ARRAY(SELECT id FROM picked)) AND e.id = d.endpoint_id
		RETURNING ` + claimedColumns + `, NULL::timestamptz`

// claimable is the condition under which a delivery d can be claimed:
// pending, due, and not leased (never, or the lease ran out: its worker
// died or lost the delivery).
const claimable = `d.status = 'pending' AND d.next_attempt_at <= now()
				  AND (d.leased_until IS NULL OR d.leased_until <= now())`

// claimedColumns are what a claim returns of each delivery, before its
// send slot (scanClaimed).
const claimedColumns = `d.id, d.endpoint_id, d.org_id, d.livemode, e.url, e.secret, coalesce(e.previous_secret, ''),
			e.previous_expires_at, d.event_id, d.body, d.attempts, d.retries, now(), d.resource, d.resource_version,
			e.ordering = 'fifo'`

// claimGatedSQL claims for the fifo and rate-limited endpoints, with the
// parameters of claimSQL. gated_rows are the deliveries taken, at most $4,
// and gated_taken the same with their send slots. The head of a fifo
// endpoint is read without a lock: if another claim leases it meanwhile,
// the final UPDATE, which checks again that it is due, leaves it out, and
// nothing behind it was a candidate. A slot given to a delivery left out
// so is lost, which only slows the endpoint down. The lease of a delivery
// with a send slot runs from the slot.
const claimGatedSQL = `WITH busy AS (
			SELECT * FROM unnest($1::text[], $2::int[]) AS b (id, n)
		), gated AS (
			SELECT e.id, e.ordering, e.rate_limit, $3::int - coalesce(b.n, 0) AS room
			FROM webhook_endpoints e LEFT JOIN busy b ON b.id = e.id
			WHERE e.status = 'enabled' AND (e.ordering = 'fifo' OR e.rate_limit IS NOT NULL)
			  AND $3::int - coalesce(b.n, 0) > 0
		), slots AS (
			SELECT s.endpoint_id, greatest(s.next_slot, now()) AS base
			FROM webhook_endpoint_slots s
			WHERE s.endpoint_id IN (SELECT id FROM gated WHERE rate_limit IS NOT NULL)
			  AND s.next_slot < now() + interval '1 second'
			FOR UPDATE SKIP LOCKED
		), gate AS (
			SELECT g.id, g.ordering, g.rate_limit, sl.base,
				CASE WHEN g.rate_limit IS NULL THEN g.room
					ELSE least(g.room, ceil(extract(epoch FROM now() + interval '1 second' - sl.base) * g.rate_limit)::int)
				END AS take
			FROM gated g LEFT JOIN slots sl ON sl.endpoint_id = g.id
			WHERE g.rate_limit IS NULL OR sl.endpoint_id IS NOT NULL
		), candidates AS (
			SELECT gate.id AS endpoint_id, h.id, h.next_attempt_at
			FROM gate CROSS JOIN LATERAL (SELECT d.id, d.next_attempt_at, d.leased_until FROM webhook_deliveries d
				WHERE d.endpoint_id = gate.id AND d.status = 'pending'
				ORDER BY d.event_tx, d.event_position, d.id LIMIT 1) h
			WHERE gate.ordering = 'fifo' AND gate.take > 0 AND h.next_attempt_at <= now()
			  AND (h.leased_until IS NULL OR h.leased_until <= now())
			UNION ALL
			SELECT gate.id, p.id, p.next_attempt_at
			FROM gate CROSS JOIN LATERAL (SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
				WHERE d.endpoint_id = gate.id AND ` + claimable + `
				ORDER BY d.next_attempt_at LIMIT greatest(gate.take, 0)
				FOR UPDATE SKIP LOCKED) p
			WHERE gate.ordering = 'parallel'
		), gated_rows AS (
			SELECT endpoint_id, id, row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id) AS rn
			FROM (SELECT * FROM candidates ORDER BY next_attempt_at, id LIMIT $4) c
		), gated_taken AS (
			SELECT r.id, gate.base + make_interval(secs => (r.rn - 1)::float8 / gate.rate_limit) AS not_before
			FROM gated_rows r JOIN gate ON gate.id = r.endpoint_id
		), moved AS (
			UPDATE webhook_endpoint_slots s SET next_slot = gate.base + make_interval(secs => c.n::float8 / gate.rate_limit)
			FROM (SELECT endpoint_id, count(*) AS n FROM gated_rows GROUP BY endpoint_id) c
			JOIN gate ON gate.id = c.endpoint_id
			WHERE s.endpoint_id = c.endpoint_id AND gate.rate_limit IS NOT NULL
		)
		UPDATE webhook_deliveries d
		SET leased_until = coalesce(t.not_before, now()) + make_interval(secs => $5), lease_token = $6,
			attempts = d.attempts + 1, updated_at = now()
		FROM gated_taken t, webhook_endpoints e
		WHERE d.id = ANY (ARRAY(SELECT id FROM gated_taken)) AND d.id = t.id AND e.id = d.endpoint_id
		  AND ` + claimable + ` -- a fifo head taken meanwhile is not taken twice
		RETURNING ` + claimedColumns + `, t.not_before`

// scanClaimed reads a row of Claim.
func scanClaimed(token string) pgx.RowToFunc[webhooks.Claimed] {
	return func(r pgx.CollectableRow) (webhooks.Claimed, error) {
		c := webhooks.Claimed{Token: token}
		var secret, prev string
		var prevUntil *time.Time
		var now time.Time
		var notBefore *time.Time
		if err := r.Scan(&c.DeliveryID, &c.EndpointID, &c.OrgID, &c.Livemode, &c.URL, &secret, &prev,
			&prevUntil, &c.EventID, &c.Body, &c.Attempts, &c.Retries, &now,
			&c.Resource, &c.ResourceVersion, &c.Fifo, &notBefore); err != nil {
			return c, err
		}
		if notBefore != nil {
			c.NotBefore = *notBefore
		}
		ep := webhooks.Endpoint{Secret: secret, PreviousSecret: prev}
		if prevUntil != nil {
			ep.PreviousExpiresAt = *prevUntil
		}
		c.Secrets = ep.Secrets(now)
		return c, nil
	}
}

// Release implements delivery.DeliveryStore: each delivery whose lease is
// still the claim's loses it, and the attempt its claim counted, so that
// it is claimable at once (and the NOTIFY of migration 00050 wakes the
// workers). A lease another worker took over meanwhile is left alone.
func (s *WebhookStore) Release(ctx context.Context, claims []webhooks.Claimed) error {
	ids, tokens := make([]string, len(claims)), make([]string, len(claims))
	for i, c := range claims {
		ids[i], tokens[i] = c.DeliveryID, c.Token
	}
	_, err := s.db.Pool.Exec(ctx, `UPDATE webhook_deliveries d
		SET lease_token = NULL, leased_until = NULL, attempts = d.attempts - 1, updated_at = now()
		FROM unnest($1::text[], $2::text[]) AS u (id, token)
		WHERE d.id = ANY($1::text[]) AND d.id = u.id AND d.lease_token = u.token AND d.status = 'pending'`, ids, tokens)
	if err != nil {
		return fmt.Errorf("release deliveries: %w", err)
	}
	return nil
}

// deliveryTx sets up a transaction of claims or completions.
//
// It commits without waiting for its WAL to reach disk. If PostgreSQL
// crashes before the WAL writer flushes it (a fraction of a second), the
// claim or the completion is lost and the delivery, still pending with
// its lease expired or never taken, is sent again: at-least-once holds,
// and the fsync per claim and per batch, which bounded deliveries per
// second, is gone. Fan-out keeps synchronous commits: the dispatcher acknowledges
// the event to JetStream once its deliveries are committed. A transaction
// that appends events (an endpoint disabled) calls durableCommit, so that
// the relay never publishes an event a crash could take back.
//
// It plans each statement for its arguments and for the tables as they
// are (plan_cache_mode = force_custom_plan), instead of keeping the
// generic plan PostgreSQL settles on after a prepared statement's fifth
// use. A generic plan made while webhook_deliveries was small (a young
// install) scanned the whole table, or sorted an endpoint's whole
// backlog, on every claim and completion once a backlog filled it, until
// autovacuum's next ANALYZE. Planning costs about half a millisecond per
// claim, shared by tens of deliveries in a backlog; in a trickle the
// Deliverer claims once per wake-up, not per attempt, which keeps it to a
// few percent of a core at 500 deliveries/s.
// TestHotQueriesKeepTheirIndexAsTablesGrow checks these statements.
func deliveryTx(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, deliveryTxSQL)
	return err
}

// deliveryTxSQL makes the settings of deliveryTx in one statement.
const deliveryTxSQL = `SELECT set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)`

// durableCommit undoes deliveryTx's lazy commit.
func durableCommit(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`)
	return err
}

// Complete implements delivery.DeliveryStore.
func (s *WebhookStore) Complete(ctx context.Context, c webhooks.Claimed, res webhooks.AttemptResult, d webhooks.Decision, disableAfter time.Duration) error {
	meta := events.Metadata{Source: "worker", CausationID: c.EventID}
	_, err := s.store.Run(ctx, meta, func(tx *Tx) error {
		if err := deliveryTx(ctx, tx); err != nil {
			return err
		}
		var code any
		if res.StatusCode != 0 {
			code = res.StatusCode
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code,
				duration_ms, response_body, response_truncated, error, worker)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id.New(id.DeliveryAttemp), c.DeliveryID, res.At, code, res.Duration.Milliseconds(),
			res.Body, res.Truncated, res.Error, c.Token); err != nil {
			return fmt.Errorf("record attempt: %w", err)
		}
		var next any
		if d.Status == webhooks.DeliveryPending {
			next = d.NextAttemptAt
		}
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, lease_token = NULL,
				leased_until = NULL, last_attempt_at = $5, last_status_code = $6, last_error = $7, updated_at = now()
			WHERE id = $1 AND lease_token = $2`,
			c.DeliveryID, c.Token, d.Status, next, res.At, code, res.Error)
		if err != nil {
			return fmt.Errorf("update delivery: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // the lease ran out and another worker took over: keep the attempt in the log only
		}
		return s.recordHealth(ctx, tx, c, res, d, disableAfter)
	})
	return err
}

// recordHealth tracks since when an endpoint fails and disables it on a
// 410 or when it has failed for disableAfter without a success.
func (s *WebhookStore) recordHealth(ctx context.Context, tx *Tx, c webhooks.Claimed, res webhooks.AttemptResult, d webhooks.Decision, disableAfter time.Duration) error {
	if d.Status == webhooks.DeliverySucceeded {
		_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET last_success_at = $2, failing_since = NULL WHERE id = $1`,
			c.EndpointID, res.At)
		return err
	}
	return s.recordFailures(ctx, tx, []webhooks.Completed{{Claimed: c, Result: res, Decision: d}}, disableAfter)
}

// Ping records a webhook.ping delivery to an enabled endpoint, due now,
// in live and test mode alike. It gets one attempt, no retries.
func (s *WebhookStore) Ping(ctx context.Context, t facturo.Tenant, endpointID string, now time.Time) (webhooks.DeliveryView, error) {
	var v webhooks.DeliveryView
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		if err := s.requireEnabled(ctx, tx, t, endpointID); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]string{"object": "webhook_ping", "webhook_endpoint": endpointID})
		e := events.Event{ID: id.New(id.Event), OrgID: t.OrgID, Livemode: t.Livemode, Type: webhooks.PingType,
			Data: data, CreatedAt: now.UTC().Truncate(time.Microsecond)}
		body, err := webhooks.Body(e)
		if err != nil {
			return err
		}
		deliveryID := id.New(id.Delivery)
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries
				(id, org_id, livemode, endpoint_id, event_id, event_type, body, status, retries, next_attempt_at, event_created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', false, now(), $8)`,
			deliveryID, t.OrgID, t.Livemode, endpointID, e.ID, e.Type, body, e.CreatedAt); err != nil {
			return fmt.Errorf("insert ping: %w", err)
		}
		v, err = scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, deliveryID))
		return err
	})
	return v, err
}

const deliveryColumns = `id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at,
	last_attempt_at, last_status_code, coalesce(last_error, ''), livemode, created_at`

func scanDelivery(row pgx.Row) (webhooks.DeliveryView, error) {
	v := webhooks.DeliveryView{Object: "webhook_delivery"}
	err := row.Scan(&v.ID, &v.Endpoint, &v.Event, &v.EventType, &v.Status, &v.AttemptCount, &v.NextAttemptAt,
		&v.LastAttemptAt, &v.LastStatusCode, &v.LastError, &v.Livemode, &v.CreatedAt)
	if v.Status != webhooks.DeliveryPending {
		v.NextAttemptAt = nil
	}
	return v, err
}

// ListDeliveries returns one page of an endpoint's delivery log, newest
// first.
func (s *WebhookStore) ListDeliveries(ctx context.Context, t facturo.Tenant, endpointID string, f webhooks.DeliveryFilter, p Page) ([]webhooks.DeliveryView, bool, error) {
	if _, err := s.endpointStatus(ctx, s.db.Pool, t, endpointID); err != nil {
		return nil, false, err
	}
	sql := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries
		WHERE endpoint_id = $1 AND org_id = $2 AND livemode = $3`
	args := []any{endpointID, t.OrgID, t.Livemode}
	if f.Status != "" {
		args = append(args, f.Status)
		sql += fmt.Sprintf(" AND status = $%d", len(args))
	}
	if f.EventType != "" {
		args = append(args, f.EventType)
		sql += fmt.Sprintf(" AND event_type = $%d", len(args))
	}
	return listRows(ctx, s.db, p, sql, args, func(r pgx.Rows) (webhooks.DeliveryView, error) { return scanDelivery(r) })
}

// Delivery returns one delivery with every attempt, oldest first.
func (s *WebhookStore) Delivery(ctx context.Context, t facturo.Tenant, endpointID, deliveryID string) (webhooks.DeliveryView, error) {
	v, err := scanDelivery(s.db.Pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE id = $1 AND endpoint_id = $2 AND org_id = $3 AND livemode = $4`, deliveryID, endpointID, t.OrgID, t.Livemode))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, facturo.NotFound("webhook_delivery", deliveryID)
	}
	if err != nil {
		return v, fmt.Errorf("delivery %s: %w", deliveryID, err)
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT id, attempted_at, status_code, duration_ms, response_body,
			response_truncated, error
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempted_at, id`, deliveryID)
	if err != nil {
		return v, fmt.Errorf("attempts of %s: %w", deliveryID, err)
	}
	v.Attempts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (webhooks.AttemptView, error) {
		a := webhooks.AttemptView{Object: "webhook_attempt"}
		err := r.Scan(&a.ID, &a.AttemptedAt, &a.StatusCode, &a.DurationMS, &a.ResponseBody, &a.ResponseTruncated, &a.Error)
		return a, err
	})
	if err != nil {
		return v, fmt.Errorf("attempts of %s: %w", deliveryID, err)
	}
	if v.Attempts == nil {
		v.Attempts = []webhooks.AttemptView{}
	}
	return v, nil
}

// Resend makes a delivery due now with a fresh retry schedule, whatever
// its status (skipped test-mode deliveries included), unless an attempt is
// in flight.
func (s *WebhookStore) Resend(ctx context.Context, t facturo.Tenant, endpointID, deliveryID string) (webhooks.DeliveryView, error) {
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		if err := s.requireEnabled(ctx, tx, t, endpointID); err != nil {
			return err
		}
		// A lease that ran out before migration 00160 left its token
		// with leased_until NULL: not in flight.
		var leased bool
		err := tx.QueryRow(ctx, `SELECT lease_token IS NOT NULL AND coalesce(leased_until > now(), false)
			FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 AND org_id = $3 AND livemode = $4
			FOR UPDATE`, deliveryID, endpointID, t.OrgID, t.Livemode).Scan(&leased)
		if errors.Is(err, pgx.ErrNoRows) {
			return facturo.NotFound("webhook_delivery", deliveryID)
		}
		if err != nil {
			return fmt.Errorf("delivery %s: %w", deliveryID, err)
		}
		if leased {
			return facturo.Errorf(facturo.CodeInvalidState, "Delivery %s is being attempted right now.", deliveryID)
		}
		_, err = requeue(ctx, tx, `id = $1`, deliveryID)
		return err
	})
	if err != nil {
		return webhooks.DeliveryView{}, err
	}
	return s.Delivery(ctx, t, endpointID, deliveryID)
}

// Recover re-queues the failed deliveries of an endpoint whose events
// happened in [since, until) and returns how many.
func (s *WebhookStore) Recover(ctx context.Context, t facturo.Tenant, endpointID string, since, until time.Time) (int, error) {
	var n int64
	err := s.db.Transact(ctx, func(tx pgx.Tx) error {
		if err := s.requireEnabled(ctx, tx, t, endpointID); err != nil {
			return err
		}
		var err error
		n, err = requeue(ctx, tx, `endpoint_id = $1 AND org_id = $2 AND livemode = $3 AND status = 'failed'
			  AND event_created_at >= $4 AND event_created_at < $5`,
			endpointID, t.OrgID, t.Livemode, since, until)
		if err != nil {
			return fmt.Errorf("recover deliveries: %w", err)
		}
		return nil
	})
	return int(n), err
}

// Redelivery selects the deliveries of one endpoint, whatever its tenant,
// whose events happened in [Since, Until), optionally only those in one
// status (empty: any but pending).
type Redelivery struct {
	EndpointID   string
	Since, Until time.Time
	Status       string
	DryRun       bool
}

// Redeliver is Recover for the operator tooling: it finds the endpoint by
// id alone, selects by r, and returns the endpoint's tenant and the ids of
// the deliveries queued again (in a dry run, those that would be), oldest
// event first. Deliveries locked by another transaction are left alone. A
// disabled endpoint is refused.
func (s *WebhookStore) Redeliver(ctx context.Context, r Redelivery) (t facturo.Tenant, ids []string, err error) {
	err = s.db.Transact(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT org_id, livemode, status FROM webhook_endpoints WHERE id = $1`, r.EndpointID).
			Scan(&t.OrgID, &t.Livemode, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return facturo.NotFound("webhook endpoint", r.EndpointID)
		}
		if err != nil {
			return fmt.Errorf("endpoint %s: %w", r.EndpointID, err)
		}
		if status != "enabled" {
			return fmt.Errorf("endpoint %s is %s: enable it first", r.EndpointID, status)
		}
		lock := " FOR UPDATE SKIP LOCKED"
		if r.DryRun {
			lock = ""
		}
		rows, err := tx.Query(ctx, `SELECT id FROM webhook_deliveries
			WHERE endpoint_id = $1 AND org_id = $2 AND livemode = $3
			  AND event_created_at >= $4 AND event_created_at < $5
			  AND status <> 'pending' AND ($6 = '' OR status = $6)
			ORDER BY event_created_at, id`+lock,
			r.EndpointID, t.OrgID, t.Livemode, r.Since, r.Until, r.Status)
		if err != nil {
			return fmt.Errorf("select deliveries: %w", err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return fmt.Errorf("select deliveries: %w", err)
		}
		if r.DryRun || len(ids) == 0 {
			return nil
		}
		if _, err := requeue(ctx, tx, `id = ANY($1) AND org_id = $2 AND livemode = $3`, ids, t.OrgID, t.Livemode); err != nil {
			return fmt.Errorf("queue deliveries: %w", err)
		}
		return nil
	})
	return t, ids, err
}

// requeue makes the deliveries that match where due now with a fresh retry
// schedule: pending, attempts counted afresh, any lease dropped (Recover,
// Redeliver, Resend). It returns how many.
func requeue(ctx context.Context, q Querier, where string, args ...any) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = 0,
			next_attempt_at = now(), lease_token = NULL, leased_until = NULL, updated_at = now()
		WHERE `+where, args...)
	return tag.RowsAffected(), err
}

// deliveriesChannel is notified, at commit, by every transaction that makes
// a delivery due now (the trigger of migration 00050).
const deliveriesChannel = "facturo_webhook_deliveries"

// Wakeups implements delivery.Waker with LISTEN on a session of its own,
// outside the pool, so a worker's claims and completions keep every pooled
// connection.
func (s *WebhookStore) Wakeups(ctx context.Context, wake chan<- struct{}) error {
	return pgnotify.Forward(ctx, s.db.Pool.Config().ConnConfig, deliveriesChannel, wake)
}
