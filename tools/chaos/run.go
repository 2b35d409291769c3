// Package chaos is `make chaos`: two API and two worker processes against
// a durable local PostgreSQL cluster and an embedded NATS server, a steady
// write load with an Idempotency-Key on every write, a webhook receiver
// that fails, hangs and throttles, and faults (API and worker SIGKILLs, one
// NATS restart, one PostgreSQL crash). Every write is then retried with its
// key, like a client that lost its answer. After a drain a checker in the
// style of Jepsen's total-queue proves nothing was lost and no retry
// created anything twice.
package chaos

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/pgcluster"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const adminKey = "fact_admin_chaos_operator_key_0123456789"

// Options bound the run.
type Options struct {
	Bin        string        // directory holding the api and worker binaries
	Duration   time.Duration // write load (faults happen during it)
	Rate       int           // writes per second, over both APIs and modes
	KillEvery  time.Duration // SIGKILL a process (a worker, an API, in turn) this often
	Drain      time.Duration // bound on waiting for everything to settle
	KeepOnFail bool          // keep the data directory and logs after a loss
}

// Run runs the experiment and reports whether nothing was lost. An error
// means the experiment itself could not run.
func Run(ctx context.Context, o Options, out io.Writer) (ok bool, err error) {
	logf := func(f string, a ...any) {
		fmt.Fprintf(out, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(f, a...))
	}
	dir, err := os.MkdirTemp("", "facturo-chaos-")
	if err != nil {
		return false, err
	}
	defer func() {
		if !ok && o.KeepOnFail {
			logf("kept %s (process logs in %s)", dir, filepath.Join(dir, "logs"))
			return
		}
		os.RemoveAll(dir)
	}()
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres user must reach it
		return false, err
	}
	cluster, ns, err := startServers(ctx, dir)
	if err != nil {
		return false, err
	}
	defer cluster.Stop(context.Background())
	defer ns.Shutdown()
	logf("postgres %s, nats %s, data in %s", cluster.DSN("facturo"), ns.URL(), dir)

	live, test := newReceiver(3*time.Second), newReceiver(3*time.Second)
	defer live.srv.Close()
	defer test.srv.Close()

	procs, apis, err := startProcs(ctx, o.Bin, dir, map[string]string{
		"DATABASE_URL":                   cluster.DSN("facturo"),
		"NATS_URL":                       ns.URL(),
		"FACTURO_ADMIN_KEY":              adminKey,
		"FACTURO_WEBHOOK_RETRY_SCHEDULE": "1s,1s,2s,2s,3s,5s,5s,5s,5s,5s",
		"FACTURO_WEBHOOK_ALLOW_NETS":     "127.0.0.0/8",
		"FACTURO_WEBHOOK_TIMEOUT":        "2s", // shorter than the receiver's hang
	})
	defer func() {
		for _, p := range procs {
			p.stop(25 * time.Second)
		}
	}()
	if err != nil {
		return false, err
	}
	t, err := setupTenant(apis[0], adminKey, live, test)
	if err != nil {
		return false, fmt.Errorf("set up tenant: %w", err)
	}
	logf("organization %s with a live and a test key and endpoint; load %d writes/s for %s", t.org, o.Rate, o.Duration)

	l := &load{apis: apis, t: t}
	lctx, stopLoad := context.WithTimeout(ctx, o.Duration)
	defer stopLoad()
	faultsDone := make(chan faultLog, 1)
	go func() { faultsDone <- injectFaults(lctx, o, procs, ns, cluster, logf) }()
	l.run(lctx, o.Rate)
	faults := <-faultsDone
	logf("load stopped: %d sent, %d acknowledged, %d not acknowledged, %d dropped unsent",
		l.sent.Load(), l.sent.Load()-l.failed.Load(), l.failed.Load(), l.dropped.Load())
	l.retryAll(ctx, o.Drain)
	logf("retried every write with its Idempotency-Key")

	obs, drainErr, err := drainAndObserve(ctx, o, cluster, ns, l, live, test, logf)
	if err != nil {
		return false, err
	}
	report := Check(obs)

	printCounts(out, procs, faults, live, test)
	l.figures().print(out)
	fmt.Fprintln(out)
	report.Print(out)
	ok = report.OK() && drainErr == nil && len(faults.errs) == 0
	for _, e := range faults.errs {
		fmt.Fprintln(out, "fault injection error:", e)
	}
	return ok, nil
}

// startServers starts a durable PostgreSQL cluster (not Fast: a crash
// must not lose committed writes) with the facturo database, and an
// embedded NATS, under dir.
func startServers(ctx context.Context, dir string) (*pgcluster.Cluster, *natsjs.Embedded, error) {
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(dir, "pg")})
	if err != nil {
		return nil, nil, err
	}
	if err := cluster.CreateDatabase(ctx, "facturo", ""); err != nil {
		cluster.Stop(context.Background())
		return nil, nil, err
	}
	ns, err := natsjs.StartEmbedded(natsjs.EmbeddedOptions{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		cluster.Stop(context.Background())
		return nil, nil, err
	}
	return cluster, ns, nil
}

// drainAndObserve waits (bounded) for the pipeline to settle, then reads
// what the event store, the stream and the receivers hold. A drain that
// did not finish is answered apart: the checker runs anyway.
func drainAndObserve(ctx context.Context, o Options, cluster *pgcluster.Cluster, ns *natsjs.Embedded, l *load,
	live, test *receiver, logf func(string, ...any)) (Observed, error, error) {
	db, err := pgxpool.New(ctx, cluster.DSN("facturo"))
	if err != nil {
		return Observed{}, nil, err
	}
	defer db.Close()
	nc, err := nats.Connect(ns.URL(), nats.Name("facturo-chaos-checker"))
	if err != nil {
		return Observed{}, nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return Observed{}, nil, err
	}
	drainErr := drain(ctx, db, js, o.Drain, logf)
	if drainErr != nil {
		logf("%v; checking anyway", drainErr)
	}
	obs, err := observe(ctx, db, js, l, live, test)
	if err != nil {
		return Observed{}, drainErr, fmt.Errorf("observe: %w", err)
	}
	return obs, drainErr, nil
}

// printCounts prints how often each process started and was killed, the
// faults injected and what each receiver saw.
func printCounts(out io.Writer, procs []*proc, faults faultLog, live, test *receiver) {
	fmt.Fprintln(out)
	for _, p := range procs {
		starts, kills := p.counts()
		fmt.Fprintf(out, "%-8s started %d times, SIGKILLed %d times\n", p.name, starts, kills)
	}
	fmt.Fprintf(out, "nats restarts %d, postgres crashes %d (down %s)\n", faults.natsRestarts, faults.pgCrashes, faults.pgDown.Round(time.Millisecond))
	for _, r := range []struct {
		name string
		rcv  *receiver
	}{{"live", live}, {"test", test}} {
		got, requests, bad, fs := r.rcv.snapshot()
		fmt.Fprintf(out, "%s receiver: %d requests, %d distinct events accepted, injected 500×%d 429×%d hang×%d, bad signatures %d\n",
			r.name, requests, len(got), fs[500], fs[429], fs[0], bad)
	}
	fmt.Fprintln(out)
}

// startProcs starts two APIs and two workers from bin, the first API alone
// so that it applies the migrations, and waits until both APIs are ready.
func startProcs(ctx context.Context, bin, dir string, env map[string]string) ([]*proc, []string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, nil, err
	}
	var procs []*proc
	var apis []string
	add := func(name, exe, addrVar string, args ...string) (string, error) {
		port, err := freePort()
		if err != nil {
			return "", err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		var vars []string
		for k, v := range env {
			vars = append(vars, k+"="+v)
		}
		vars = append(vars, addrVar+"="+addr, "FACTURO_LOG_FORMAT=text")
		p, err := newProc(name, filepath.Join(bin, exe), args, vars, filepath.Join(dir, "logs", name+".log"))
		if err != nil {
			return "", err
		}
		procs = append(procs, p)
		go p.supervise()
		return "http://" + addr, nil
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, name := range []string{"api-1", "api-2"} {
		base, err := add(name, "api", "FACTURO_ADDR")
		if err != nil {
			return procs, nil, err
		}
		if err := waitHTTP(wctx, base+"/readyz"); err != nil {
			return procs, nil, err
		}
		apis = append(apis, base)
	}
	for _, name := range []string{"worker-1", "worker-2"} {
		if _, err := add(name, "worker", "FACTURO_METRICS_ADDR", "run"); err != nil {
			return procs, nil, err
		}
	}
	return procs, apis, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

type faultLog struct {
	natsRestarts, pgCrashes int
	pgDown                  time.Duration
	errs                    []error
}

// injectFaults SIGKILLs a process every KillEvery, a worker and an API in
// turn, restarts NATS once at a third of the load and crashes PostgreSQL
// (SIGKILL to every server process, then crash recovery) once at two
// thirds.
func injectFaults(ctx context.Context, o Options, procs []*proc, ns *natsjs.Embedded, cluster *pgcluster.Cluster, logf func(string, ...any)) faultLog {
	victims := []*proc{procs[2], procs[0], procs[3], procs[1]} // worker-1, api-1, worker-2, api-2
	var fl faultLog
	kill := time.NewTicker(o.KillEvery)
	defer kill.Stop()
	natsAt, pgAt := time.After(o.Duration/3), time.After(2*o.Duration/3)
	for i := 0; ; {
		select {
		case <-ctx.Done():
			return fl
		case <-kill.C:
			w := victims[i%len(victims)]
			i++
			logf("fault: SIGKILL %s", w.name)
			w.kill()
		case <-natsAt:
			logf("fault: restart NATS")
			if err := ns.Restart(); err != nil {
				fl.errs = append(fl.errs, fmt.Errorf("nats restart: %w", err))
			}
			fl.natsRestarts++
		case <-pgAt:
			logf("fault: crash PostgreSQL (SIGKILL postmaster and backends)")
			t0 := time.Now()
			if err := cluster.Kill(); err != nil {
				fl.errs = append(fl.errs, fmt.Errorf("postgres kill: %w", err))
			}
			time.Sleep(2 * time.Second)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			err := cluster.Restart(rctx)
			cancel()
			if err != nil {
				fl.errs = append(fl.errs, fmt.Errorf("postgres restart: %w", err))
			}
			fl.pgCrashes++
			fl.pgDown = time.Since(t0)
			logf("fault: PostgreSQL back after %s (crash recovery)", fl.pgDown.Round(time.Millisecond))
		}
	}
}
