package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/facturo/facturo/internal/pgcluster"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Row is one line of the results table.
type Row struct {
	Figure, Value, Baseline, Ratio string
}

// attack runs vegeta at the given concurrency as fast as the server answers
// (rate 0) or at a fixed rate, for d, and returns its metrics and results.
func attack(t vegeta.Targeter, workers int, rate int, d time.Duration, each func(*vegeta.Result)) vegeta.Metrics {
	opts := []func(*vegeta.Attacker){vegeta.Workers(uint64(workers)), vegeta.KeepAlive(true), vegeta.Connections(workers)}
	r := vegeta.Rate{Freq: rate, Per: time.Second}
	if rate == 0 {
		opts = append(opts, vegeta.MaxWorkers(uint64(workers)))
	}
	a := vegeta.NewAttacker(opts...)
	var m vegeta.Metrics
	for res := range a.Attack(t, r, d, "bench") {
		m.Add(res)
		if each != nil {
			each(res)
		}
	}
	m.Close()
	return m
}

func bearer(key string) http.Header {
	return http.Header{"Authorization": {"Bearer " + key}, "Content-Type": {"application/json"}}
}

// writeThroughput: POST /v1/invoices at concurrency c for d, against
// pgbench inserting single rows into an events-like table at the same
// concurrency on the same server.
func writeThroughput(ctx context.Context, s *system, key, client string, c int, d time.Duration) ([]Row, error) {
	t := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: s.base + "/v1/invoices", Body: invoiceBody(client), Header: bearer(key)})
	before := s.cpuNow()
	m := attack(t, c, 0, d, nil)
	writeCPU := s.cpuNow().sub(before)
	if m.Success < 0.99 {
		return nil, fmt.Errorf("write load: success %.3f, errors %v", m.Success, m.Errors)
	}
	single, err := pgbench(ctx, s, c, d)
	if err != nil {
		return nil, err
	}
	replay, err := pgbenchCommandSQL(ctx, s, client, c, d)
	if err != nil {
		return nil, err
	}
	writes := int(m.Requests)
	return []Row{
		{fmt.Sprintf("POST /v1/invoices req/s (c=%d, %s)", c, d), f1(m.Throughput), f1(single.tps) + " (pgbench single-row INSERT tps)", ratio(m.Throughput, single.tps)},
		{"POST /v1/invoices mean latency", ms(m.Latencies.Mean), msf(single.latMS) + " (pgbench mean)", ratio(float64(m.Latencies.Mean)/1e6, single.latMS)},
		{"POST /v1/invoices p50 / p99", ms(m.Latencies.P50) + " / " + ms(m.Latencies.P99), "", ""},
		{fmt.Sprintf("POST /v1/invoices req/s (c=%d, %s)", c, d), f1(m.Throughput), f1(replay.tps) + " (pgbench replaying the command's SQL, prepared)", ratio(m.Throughput, replay.tps)},
		{"POST /v1/invoices mean latency", ms(m.Latencies.Mean), msf(replay.latMS) + " (same pgbench mean)", ratio(float64(m.Latencies.Mean)/1e6, replay.latMS)},
		// What each costs the machine's two cores: the rate the CPU allows
		// is in the inverse ratio of these.
		{"CPU per POST /v1/invoices (whole system: this process runs the API, the worker roles and the load)",
			cpuSplit(writeCPU, writes, "Go"), cpuSplit(single.cpu, single.n, "pgbench") + " per single-row INSERT",
			ratio(perOpSeconds(single.cpu, single.n), perOpSeconds(writeCPU, writes))},
		{"CPU per POST /v1/invoices (same)", cpuSplit(writeCPU, writes, "Go"),
			cpuSplit(replay.cpu, replay.n, "pgbench") + " per replay of the command's SQL",
			ratio(perOpSeconds(replay.cpu, replay.n), perOpSeconds(writeCPU, writes))},
	}, nil
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+)`)
var latRe = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
var txRe = regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`)

func pgbench(ctx context.Context, s *system, c int, d time.Duration) (pgbenchRun, error) {
	_, err := s.svc.DB.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_events (
		position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
		id text NOT NULL UNIQUE, org_id text NOT NULL, stream_id text NOT NULL,
		data jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
	if err != nil {
		return pgbenchRun{}, err
	}
	dir, err := pgcluster.BinDir()
	if err != nil {
		return pgbenchRun{}, err
	}
	sql := `INSERT INTO bench_events (id, org_id, stream_id, data) VALUES ('evt_' || md5(random()::text), 'org_bench', 'inv_' || md5(random()::text), '{"status":"draft","items":[{"price":"100.00"},{"price":"250.50"},{"price":"12.34"}]}');` + "\n"
	return runPgbench(ctx, s, dir, s.dsn, sql, c, d)
}

// pgbenchRun is what a pgbench run measured: its rate and mean latency,
// the transactions it made, and the CPU of pgbench itself (as "self") and
// of PostgreSQL meanwhile.
type pgbenchRun struct {
	tps, latMS float64
	n          int
	cpu        cpuUse
}

// runPgbench runs script with pgbench at concurrency c for d, with extra
// arguments.
func runPgbench(ctx context.Context, s *system, dir, dsn, sql string, c int, d time.Duration, extra ...string) (pgbenchRun, error) {
	var run pgbenchRun
	script := filepath.Join(os.TempDir(), fmt.Sprintf("facturo-pgbench-%d.sql", os.Getpid()))
	defer os.Remove(script)
	if err := os.WriteFile(script, []byte(sql), 0o644); err != nil {
		return run, err
	}
	n := strconv.Itoa(c)
	args := append([]string{"-n", "-c", n, "-j", n, "-T", strconv.Itoa(int(d.Seconds())), "-f", script}, extra...)
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "pgbench"), append(args, dsn)...)
	pgBefore := s.postgresCPU()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return run, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	run.cpu = cpuUse{self: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), pg: s.postgresCPU() - pgBefore}
	mt, ml, mn := tpsRe.FindSubmatch(out), latRe.FindSubmatch(out), txRe.FindSubmatch(out)
	if mt == nil || ml == nil || mn == nil {
		return run, fmt.Errorf("pgbench output: %s", out)
	}
	run.tps, _ = strconv.ParseFloat(string(mt[1]), 64)
	run.latMS, _ = strconv.ParseFloat(string(ml[1]), 64)
	run.n, _ = strconv.Atoi(string(mn[1]))
	return run, nil
}

// authentication: GET /v1/account (authenticated, cached key, one indexed
// read) against GET /healthz (no authentication), then the p99 of valid
// requests while a flood of invalid keys runs beside them.
func authentication(s *system, key string, c int, d time.Duration) []Row {
	valid := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: s.base + "/v1/account", Header: bearer(key)})
	health := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: s.base + "/healthz"})
	mv := attack(valid, c, 0, d, nil)
	mh := attack(health, c, 0, d, nil)
	// Valid requests at a fixed rate, alone and beside a flood of invalid
	// keys (well-formed tokens that match no key).
	calm := attack(valid, 4, 200, d, nil)
	bad := "fact_live_" + "AAAAAAAAAAAAAAAAAAAAAAAA"
	flood := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: s.base + "/v1/account", Header: bearer(bad)})
	done := make(chan vegeta.Metrics)
	go func() { done <- attack(flood, c, 0, d, nil) }()
	stormy := attack(valid, 4, 200, d, nil)
	mf := <-done
	return []Row{
		{fmt.Sprintf("auth GET /v1/account req/s (c=%d)", c), f1(mv.Throughput), f1(mh.Throughput) + " (GET /healthz, no auth)", ratio(mv.Throughput, mh.Throughput)},
		{fmt.Sprintf("valid p99 at 200 req/s during invalid-key flood (%.0f req/s refused)", mf.Rate), ms(stormy.Latencies.P99), ms(calm.Latencies.P99) + " (same load, no flood)", ratio(float64(stormy.Latencies.P99), float64(calm.Latencies.P99))},
	}
}

func decodeID(body []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &v)
	return v.ID
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
}
func msf(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + " ms" }
func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
}

// pgbenchCommandSQL replays what POST /v1/invoices (a draft with inline
// items, no Idempotency-Key) sends PostgreSQL, as prepared statements: one
// transaction that folds the client's stream (the event store's stream
// load, text for text) and appends the invoice's invoice.created (the
// store's INSERT ... RETURNING), with the data and metadata of the last
// invoice the API wrote. What the table then shows beside it is what Go
// (HTTP, authentication, JSON, folding, deciding, the answer) adds on top
// of the command's own database work. It runs in a database of its own on
// the same server (migrated, holding a copy of the client's stream), so
// that the relay and projections of the running system do not work
// through its events during the rows that follow.
func pgbenchCommandSQL(ctx context.Context, s *system, client string, c int, d time.Duration) (pgbenchRun, error) {
	var org, data, meta string
	if err := s.svc.DB.Pool.QueryRow(ctx, `SELECT org_id, data::text, metadata::text FROM events
		WHERE type = 'invoice.created' ORDER BY position DESC LIMIT 1`).Scan(&org, &data, &meta); err != nil {
		return pgbenchRun{}, fmt.Errorf("template invoice: %w", err)
	}
	if err := s.cluster.CreateDatabase(ctx, "replay", ""); err != nil {
		return pgbenchRun{}, err
	}
	db, err := postgres.Open(ctx, s.cluster.DSN("replay"), 2)
	if err != nil {
		return pgbenchRun{}, err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		return pgbenchRun{}, err
	}
	rows, err := s.svc.DB.Pool.Query(ctx, `SELECT id, org_id, livemode, stream_id, stream_version, type, schema_version,
		data::text, metadata::text FROM events WHERE stream_id = $1 ORDER BY stream_version`, client)
	if err != nil {
		return pgbenchRun{}, err
	}
	history, err := pgx.CollectRows(rows, pgx.RowToStructByPos[streamRow])
	if err != nil {
		return pgbenchRun{}, err
	}
	for _, e := range history {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
			e.ID, e.Org, e.Live, e.Stream, e.Version, e.Type, e.Schema, e.Data, e.Meta); err != nil {
			return pgbenchRun{}, err
		}
	}
	dir, err := pgcluster.BinDir()
	if err != nil {
		return pgbenchRun{}, err
	}
	sql := `BEGIN;
WITH stream AS MATERIALIZED (SELECT position, tx_id::text AS tx_text, id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata, created_at FROM events WHERE stream_id = :client) SELECT * FROM stream WHERE org_id = :org AND livemode = true ORDER BY stream_version;
INSERT INTO events (id, org_id, livemode, stream_id, stream_version, type, schema_version, data, metadata) VALUES ('evt_' || md5(random()::text), :org, true, 'inv_' || md5(random()::text), 1, 'invoice.created', 1, :data, :meta) RETURNING position, tx_id::text, created_at;
COMMIT;
`
	return runPgbench(ctx, s, dir, s.cluster.DSN("replay"), sql, c, d, "-M", "prepared",
		"-D", "client="+client, "-D", "org="+org, "-D", "data="+data, "-D", "meta="+meta)
}

// streamRow is an event copied into the replay database.
type streamRow struct {
	ID, Org    string
	Live       bool
	Stream     string
	Version    int
	Type       string
	Schema     int
	Data, Meta string
}
