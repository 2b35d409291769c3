package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// flatOrg is one organization of the flat-cost row: its key, a client to
// invoice and an invoice to read.
type flatOrg struct {
	key, client, invoice string
}

// flatCost measures whether single-object requests cost the same in a
// small and a big organization: p50 of POST /v1/invoices and of
// GET /v1/invoices/{id} in an organization with about 1,000 events against
// one with big events, both measured in turns under the same load. The history of both is inserted with SQL (generate_series
// copies of the organization's own client.created and invoice.created), as
// events published long ago: their transaction id lies below the relay's
// cursor, so neither the relay nor the projections work on them during the
// measurement.
func flatCost(ctx context.Context, s *system, big int, c int, d time.Duration) ([]Row, error) {
	small, err := seededOrg(ctx, s, "flat-small@example.com", 1_000)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	large, err := seededOrg(ctx, s, "flat-big@example.com", big)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "flat cost: %d events seeded in %s\n", big, time.Since(t0).Round(time.Second))
	if _, err := s.svc.DB.Pool.Exec(ctx, `ANALYZE events`); err != nil {
		return nil, err
	}
	var rows []Row
	for _, op := range []struct {
		name   string
		target func(o flatOrg) vegeta.Target
	}{
		{"POST /v1/invoices", func(o flatOrg) vegeta.Target {
			return vegeta.Target{Method: "POST", URL: s.base + "/v1/invoices", Body: invoiceBody(o.client), Header: bearer(o.key)}
		}},
		{"GET /v1/invoices/{id}", func(o flatOrg) vegeta.Target {
			return vegeta.Target{Method: "GET", URL: s.base + "/v1/invoices/" + o.invoice, Header: bearer(o.key)}
		}},
	} {
		// Small, big, big, small, a quarter of d each: a drift of the
		// machine's load during the four phases weighs on both alike.
		var p50 [2]time.Duration
		for _, i := range []int{0, 1, 1, 0} {
			o := []flatOrg{small, large}[i]
			m := attack(vegeta.NewStaticTargeter(op.target(o)), c, 0, d/4, nil)
			if m.Success < 0.99 {
				return nil, fmt.Errorf("flat cost %s: success %.3f, errors %v", op.name, m.Success, m.Errors)
			}
			p50[i] += m.Latencies.P50 / 2
		}
		rows = append(rows, Row{
			Figure:   fmt.Sprintf("%s p50 (c=%d) in an organization of %d events", op.name, c, big),
			Value:    ms(p50[1]),
			Baseline: ms(p50[0]) + " (same, organization of 1000 events)",
			Ratio:    ratio(float64(p50[1]), float64(p50[0])),
		})
	}
	return rows, nil
}

// seededOrg creates an organization through the API, gives it n events of
// history with SQL, and an invoice to read (created through the API).
func seededOrg(ctx context.Context, s *system, email string, n int) (flatOrg, error) {
	org, key, client, err := s.newOrganization(email, "Flat")
	if err != nil {
		return flatOrg{}, err
	}
	inv, err := s.post("POST", "/v1/invoices", key, json.RawMessage(invoiceBody(client)), 201)
	if err != nil {
		return flatOrg{}, err
	}
	const chunk = 200_000 // rows per statement, so that a big seed shows progress
	for from := 0; from < n; from += chunk {
		if err := seedHistory(ctx, s, org, from, min(n, from+chunk)); err != nil {
			return flatOrg{}, err
		}
	}
	return flatOrg{key: key, client: client, invoice: inv["id"].(string)}, nil
}

// seedHistory inserts events [from, to) of org's history: one client stream
// (client.created) in ten events, the others one-event invoice streams
// (invoice.created), copies of the organization's own first event of each
// type (created through the API). The
// transaction id 3 puts them before the relay's cursor.
func seedHistory(ctx context.Context, s *system, org string, from, to int) error {
	_, err := s.svc.DB.Pool.Exec(ctx, `WITH template AS (
			SELECT DISTINCT ON (type) type, data, metadata FROM events WHERE org_id = $1 AND stream_version = 1
			  AND type IN ('client.created', 'invoice.created') ORDER BY type, position)
		INSERT INTO events (tx_id, id, org_id, livemode, stream_id, stream_version, type, data, metadata, created_at)
		SELECT '3', format('evt_SEED%s%s', substr($1, 5), lpad(g::text, 14, '0')), $1, true,
		       format('%s_SEED%s%s', CASE WHEN g % 10 = 0 THEN 'cli' ELSE 'inv' END, substr($1, 5), lpad(g::text, 14, '0')),
		       1, t.type, t.data, t.metadata, now() - interval '1 day'
		FROM generate_series($2::int, $3::int - 1) g
		JOIN template t ON t.type = CASE WHEN g % 10 = 0 THEN 'client.created' ELSE 'invoice.created' END`, org, from, to)
	if err != nil {
		return fmt.Errorf("seed %s: %w", org, err)
	}
	return nil
}
