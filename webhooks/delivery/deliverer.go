// Package delivery runs webhooks: the Dispatcher fans each event out from
// JetStream into one delivery per subscribed endpoint (keyed by event and
// endpoint, so redelivery adds nothing), and any number of Deliverers send
// due deliveries with Standard Webhooks signatures, record each attempt and
// schedule retries. Storage is behind the small interfaces declared here
// (internal/postgres implements them); the decisions (what to send, when to
// retry, which addresses may be reached) are the webhooks package's.
package delivery

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/facturo/facturo/internal/supervise"
	"github.com/facturo/facturo/webhooks"
	"github.com/facturo/facturo/webhooks/stdwebhooks"
)

// DeliveryStore is what the Deliverer needs of storage. Claim and
// CompleteBatch are its whole contract: a lease taken by Claim hides the
// delivery from every other worker until the lease ends, so an attempt is
// sent once, and a worker that dies leaves a delivery that becomes due
// again when its lease ends, so none is lost.
type DeliveryStore interface {
	// Claim leases due deliveries of enabled endpoints, oldest due first,
	// within the limits of req.
	Claim(ctx context.Context, req webhooks.ClaimRequest) ([]webhooks.Claimed, error)
	// CompleteBatch records each attempt and applies its decision, if the
	// lease is still the attempt's; it disables an endpoint when a
	// decision says so or when it has failed without success for
	// disableAfter.
	CompleteBatch(ctx context.Context, batch []webhooks.Completed, disableAfter time.Duration) error
	// Release gives back leases that were never used: each delivery whose
	// lease is still the claim's becomes claimable at once, as if it had
	// not been claimed.
	Release(ctx context.Context, claims []webhooks.Claimed) error
}

// Waker tells a Deliverer when deliveries may have fallen due, so that it
// claims at once instead of at its next poll. A wake-up is a hint: a lost
// one costs at most a poll interval, a spurious one an empty claim.
type Waker interface {
	// Wakeups sends on wake, without blocking, whenever deliveries may have
	// fallen due, and once as soon as it is listening (what fell due before
	// went unheard). It returns nil when ctx ends, and an error when it
	// stops hearing (a lost connection); the Deliverer's Supervisor calls
	// it again.
	Wakeups(ctx context.Context, wake chan<- struct{}) error
}

// Deliverer sends due deliveries. Any number of Deliverers may run, in one
// process or many: PostgreSQL (FOR UPDATE SKIP LOCKED and leases) shares the
// work among them. Each claims when Wake wakes it, when attempts of its own
// end, and every Poll; it sends concurrently, within Concurrency and
// PerEndpoint, over connections kept alive per destination, and records
// the attempts that ended meanwhile in one transaction.
//
// It claims ahead: besides the attempts in flight it holds claimed
// deliveries ready to go (readyAhead), so that a sender that finishes
// starts the next attempt at once instead of waiting for a claim's round
// trip, and each claim takes many deliveries. A ready delivery waits for
// its endpoint's attempts ahead of it to end, which takes milliseconds
// for a healthy endpoint and up to the HTTP timeout per attempt for a
// hanging one; the default lease covers a wait of one timeout and the
// attempt. A delivery that waited longer than its lease allows, or that
// is ready when Run stops, is released, never sent on a lease that may
// run out: the next claim takes it again.
type Deliverer struct {
	Store  DeliveryStore
	Wake   Waker        // nil: poll only
	Client *http.Client // webhooks.NewHTTPClient(policy, timeout)
	Config webhooks.Config
	Log    *slog.Logger
	Owner  string // names this worker in leases; default "deliverer-<random>"

	// Concurrency is the number of attempts in flight, default
	// webhooks.DefaultConcurrency (FACTURO_WEBHOOK_CONCURRENCY).
	Concurrency int
	// PerEndpoint caps the attempts in flight to one endpoint, default
	// webhooks.DefaultPerEndpoint (FACTURO_WEBHOOK_PER_ENDPOINT), so a
	// slow endpoint takes a few slots, never the pool.
	PerEndpoint int
	// Poll is how often due deliveries are looked for whatever Wake says,
	// default 500ms: the only way to find retries that fall due later,
	// expired leases and what fell due while Wake was not listening.
	Poll time.Duration
	// ShutdownGrace is how long attempts in flight may finish after Run's
	// context ends; default the HTTP timeout plus 5 s.
	ShutdownGrace time.Duration
	// Lease is how long a claim hides a delivery from other workers: a
	// worker that dies holds its deliveries this long. Default: twice the
	// attempt timeout (the wait for a free slot, then the attempt) plus
	// twice recordWithin (slack for the wait, then recording the result).
	// A lease shorter than that turns claiming ahead off.
	Lease time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// OnAttempt, if set, hears about each completed attempt (metrics, tests).
	OnAttempt func(c webhooks.Claimed, res webhooks.AttemptResult, d webhooks.Decision)
	// Supervisor restarts the Wake listener when it stops hearing (as
	// WakeupsComponent) and reports it; nil: a group of its own that only
	// logs.
	Supervisor *supervise.Group

	mu sync.Mutex
	runState
}

// runState is what one Run of a Deliverer keeps, under its mu. Each Run
// starts from a new one: a supervisor runs the same Deliverer again after
// a claim failed, and a Run that inherited the last one's (stopping set,
// counts of what it held) claimed deliveries and never sent them.
type runState struct {
	stopping  bool           // Run's context ended: start nothing more
	ready     []job          // claimed, waiting for room, oldest claim first
	held      map[string]int // endpoint id → deliveries claimed and not done (ready or in flight)
	heldTotal int            // the same, all endpoints
	inflight  map[string]int // endpoint id → attempts in flight (handed to a sender)
	sending   int            // the same, all endpoints
	// What the claims say may still be due: the endpoints of which the
	// last claim that had room for them took all of it, and whether the
	// last claim took all it could in all (more may be due anywhere).
	more    map[string]bool
	moreAny bool
	// fifoRecorded: attempts of a fifo endpoint were recorded since the
	// last claim, so its next delivery may be claimable.
	fifoRecorded bool
	results      chan webhooks.Completed // attempts to record
	recorded     chan struct{}           // attempts were recorded
}

func newRunState(concurrency int) runState {
	return runState{inflight: map[string]int{}, held: map[string]int{}, more: map[string]bool{},
		results: make(chan webhooks.Completed, concurrency), recorded: make(chan struct{}, 1)}
}

// job is a claimed delivery and when it was claimed.
type job struct {
	webhooks.Claimed
	claimedAt time.Time
}

func (d *Deliverer) defaults() {
	if d.Concurrency <= 0 {
		d.Concurrency = cmp.Or(d.Config.Concurrency, webhooks.DefaultConcurrency)
	}
	if d.PerEndpoint <= 0 {
		d.PerEndpoint = cmp.Or(d.Config.PerEndpoint, webhooks.DefaultPerEndpoint)
	}
	if d.ShutdownGrace <= 0 {
		d.ShutdownGrace = d.Config.Timeout + 5*time.Second
	}
	if d.Poll <= 0 {
		d.Poll = 500 * time.Millisecond
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Config.Timeout <= 0 {
		d.Config.Timeout = webhooks.DefaultTimeout
	}
	if d.Config.Schedule == nil {
		d.Config.Schedule = webhooks.DefaultSchedule
	}
	if d.Config.DisableAfter <= 0 {
		d.Config.DisableAfter = webhooks.DefaultDisableAfter
	}
	if d.Client == nil {
		d.Client = webhooks.NewHTTPClient(d.Config.Policy(), d.Config.Timeout)
		// Every attempt in flight may keep its connection for the next.
		t := d.Client.Transport.(*http.Transport)
		t.MaxIdleConns, t.MaxIdleConnsPerHost = d.Concurrency, d.Concurrency
	}
	if d.Owner == "" {
		d.Owner = "deliverer-" + webhooks.NewLeaseToken()
	}
}

func (d *Deliverer) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return 2*d.Config.Timeout + 2*recordWithin
}

// recordWithin bounds the recording of a batch of attempts.
const recordWithin = 10 * time.Second

// maxReadyWait is how long a delivery may wait ready and still be sent:
// its lease must outlast the attempt and its recording.
func (d *Deliverer) maxReadyWait() time.Duration {
	return d.lease() - d.Config.Timeout - recordWithin
}

// claimsAhead says whether the lease lets deliveries wait ready: for at
// least an attempt's timeout, the longest a slot stays taken.
func (d *Deliverer) claimsAhead() bool {
	return d.maxReadyWait() >= d.Config.Timeout
}

// Run delivers until ctx ends. Then it claims nothing more, releases the
// deliveries it holds ready, and lets the attempts in flight finish (each
// is bounded by the HTTP timeout), for at most ShutdownGrace; an attempt
// still running after that is abandoned, its lease expires and another
// worker sends it again. It returns nil then, or an error, after the same
// wait, when a claim fails (PostgreSQL is gone): run it under a
// supervise.Group, which starts it over.
func (d *Deliverer) Run(ctx context.Context) error {
	d.defaults()
	d.mu.Lock()
	d.runState = newRunState(d.Concurrency)
	d.mu.Unlock()
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	recorded := make(chan struct{})
	go func() { defer close(recorded); d.record(work) }()
	defer func() { close(d.results); <-recorded }() // after finish: what ended is recorded
	var wg sync.WaitGroup                           // deliveries held
	// At most Concurrency attempts are in flight, so a send never blocks.
	jobs := make(chan job, d.Concurrency)
	var senders sync.WaitGroup
	// After finish: the senders end before Run returns, so that none
	// touches the state of the next Run.
	defer func() { close(jobs); senders.Wait() }()
	defer d.finish(work, &wg, stopWork)
	done := make(chan struct{}, d.Concurrency)
	for range d.Concurrency {
		senders.Go(func() { d.sender(work, jobs, &wg, done) })
	}
	wake := make(chan struct{}, 1)
	if d.Wake != nil {
		listen, stopListening := context.WithCancel(ctx)
		listening := make(chan struct{})
		go func() {
			defer close(listening)
			d.supervisor().Supervise(listen, WakeupsComponent, func(ctx context.Context) error {
				return d.Wake.Wakeups(ctx, wake)
			})
		}()
		defer func() { stopListening(); <-listening }()
	}
	tick := time.NewTicker(d.Poll)
	defer tick.Stop()
	for {
		n, err := d.claim(ctx, jobs, &wg)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("webhook claim: %w", err)
		}
		if n > 0 && d.needsClaim() {
			continue // there may be more due right now
		}
		if !d.waitToClaim(ctx, done, wake, tick.C) {
			return nil
		}
	}
}

// waitToClaim returns when the next claim is due: at a wake-up or a poll,
// or when attempts ended or were recorded and needsClaim says so. It
// returns false when ctx ends.
func (d *Deliverer) waitToClaim(ctx context.Context, done, wake <-chan struct{}, tick <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-wake:
			return true
		case <-tick:
			return true
		case <-done:
			drainSignals(done) // one claim for every batch of attempts that ended
		case <-d.recorded:
		}
		if d.needsClaim() {
			return true
		}
	}
}

// drainSignals empties c without blocking.
func drainSignals(c <-chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// WakeupsComponent names the Deliverer's wake-up listener in its
// Supervisor: polling carries on while it waits to be restarted.
const WakeupsComponent = "webhook-wakeups"

func (d *Deliverer) supervisor() *supervise.Group {
	if d.Supervisor != nil {
		return d.Supervisor
	}
	return &supervise.Group{Log: d.Log}
}

// finish releases the deliveries held ready and waits for the attempts in
// flight, up to the shutdown grace.
func (d *Deliverer) finish(work context.Context, wg *sync.WaitGroup, stopWork context.CancelFunc) {
	d.mu.Lock()
	d.stopping = true
	ready := d.ready
	d.ready = nil
	d.mu.Unlock()
	d.release(work, wg, ready)
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(d.ShutdownGrace):
		d.Log.Warn("webhook attempts still in flight after the shutdown grace; abandoning them to their leases")
		stopWork()
		<-finished
	}
}

// release gives back the leases of jobs, which will not be sent: another
// worker, or this one's next claim, takes them at once. If that fails,
// their leases run out and they fall due then.
func (d *Deliverer) release(ctx context.Context, wg *sync.WaitGroup, jobs []job) {
	if len(jobs) == 0 {
		return
	}
	claims := make([]webhooks.Claimed, len(jobs))
	for i, j := range jobs {
		claims[i] = j.Claimed
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWithin)
	if err := d.Store.Release(rctx, claims); err != nil {
		d.Log.Warn("webhook leases not released; they fall due when they run out", "deliveries", len(claims), "err", err)
	}
	cancel()
	d.mu.Lock()
	for _, j := range jobs {
		d.drop(j.EndpointID)
	}
	d.mu.Unlock()
	for range jobs {
		wg.Done()
	}
}

// drop forgets a held delivery of endpoint ep; d.mu is held.
func (d *Deliverer) drop(ep string) {
	if d.held[ep]--; d.held[ep] <= 0 {
		delete(d.held, ep)
	}
	d.heldTotal--
}

// readyAhead is how many deliveries of an endpoint a worker that claims
// ahead holds ready, in multiples of PerEndpoint: enough for its senders
// to go on at full speed through the round trip of the claim that
// refills them, which starts when half are gone, and for claims large
// enough that their cost (planned at each execution, see deliveryTx) is
// shared by about a hundred deliveries. Six rather than three: the
// bench's backlog drained at 0.60-0.61× of the plain loop instead of
// 0.56× (three interleaved pairs), with 118-120 µs of CPU per delivery
// instead of 128-142. Behind a slow endpoint's attempts, the ready
// deliveries that would outwait their lease are given back (release).
const readyAhead = 6

// holdLimit bounds what the worker holds: if it claims ahead, readyAhead
// times as many ready as in flight, per endpoint and in all. The bound in
// all is in the same ratio, so that slow endpoints, whose ready deliveries
// wait, exhaust it only when they take every slot in flight too (with
// Concurrency / PerEndpoint of them): below that, the others can be
// claimed for.
func (d *Deliverer) holdLimit() (total, perEndpoint int) {
	if !d.claimsAhead() {
		return d.Concurrency, d.PerEndpoint
	}
	return (1 + readyAhead) * d.Concurrency, (1 + readyAhead) * d.PerEndpoint
}

// needsClaim says whether a claim is worth its round trip after attempts
// ended or were recorded: when a fifo endpoint's attempt was recorded
// (its next delivery may be due), or, if the last claim left deliveries
// due (it took all the room it had), when senders would otherwise idle
// (slots free, and nothing ready that the bounds let go: what is ready
// may all be a slow endpoint's) or when such an endpoint's ready
// deliveries fell to half of what it may hold ready; never for endpoints
// held up to their bound, of which a claim would take nothing. A claim
// that took less than its room took everything due: what falls due later
// is heard of by a wake-up (NOTIFY) or found by a poll, which claim
// whatever this says. So a trickle of deliveries costs one claim per
// wake-up, not one more per attempt.
func (d *Deliverer) needsClaim() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	total, perEndpoint := d.holdLimit()
	if d.heldTotal >= total {
		return false
	}
	if d.fifoRecorded {
		return true
	}
	// Endpoints held up to their bound leave a claim nothing to take.
	more := d.moreAny
	for ep := range d.more {
		more = more || d.held[ep] < perEndpoint
	}
	if !more {
		return false
	}
	if d.sending < d.Concurrency && !slices.ContainsFunc(d.ready, d.sendable) {
		return true
	}
	for ep, n := range d.held {
		if (d.moreAny || d.more[ep]) && n-d.inflight[ep] <= readyAhead*d.PerEndpoint/2 {
			return true
		}
	}
	return false
}

// claim claims due deliveries while ctx lasts, up to what the worker may
// hold, and hands them to the senders as far as the bounds on attempts in
// flight allow; the rest wait in ready.
func (d *Deliverer) claim(ctx context.Context, jobs chan<- job, wg *sync.WaitGroup) (int, error) {
	total, perEndpoint := d.holdLimit()
	d.mu.Lock()
	room := total - d.heldTotal
	held := maps.Clone(d.held)
	d.mu.Unlock()
	if room <= 0 {
		return 0, nil
	}
	at := d.Now()
	d.mu.Lock()
	d.fifoRecorded = false // this claim looks for the next deliveries of those endpoints
	d.mu.Unlock()
	claimed, err := d.Store.Claim(ctx, webhooks.ClaimRequest{Owner: d.Owner, Max: room, Lease: d.lease(),
		PerEndpoint: perEndpoint, Held: held})
	if err != nil {
		return 0, err
	}
	taken := map[string]int{}
	for _, c := range claimed {
		taken[c.EndpointID]++
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// An endpoint that had room and got less than it has nothing more
	// due; one that had none keeps what an earlier claim said of it.
	for ep := range d.more {
		if room := perEndpoint - held[ep]; room > 0 && taken[ep] < room {
			delete(d.more, ep)
		}
	}
	for ep, n := range taken {
		if n >= perEndpoint-held[ep] {
			d.more[ep] = true
		}
	}
	d.moreAny = len(claimed) >= room
	if len(claimed) == 0 {
		return 0, nil
	}
	wg.Add(len(claimed))
	for _, c := range claimed {
		d.held[c.EndpointID]++
		d.heldTotal++
		d.ready = append(d.ready, job{Claimed: c, claimedAt: at})
	}
	for {
		j, ok := d.next()
		if !ok {
			break
		}
		jobs <- j
	}
	return len(claimed), nil
}

// next takes the oldest ready delivery whose endpoint is under
// PerEndpoint attempts in flight, if Concurrency allows one more, and
// counts it in flight; d.mu is held.
func (d *Deliverer) next() (job, bool) {
	if d.stopping || d.sending >= d.Concurrency {
		return job{}, false
	}
	i := slices.IndexFunc(d.ready, d.sendable)
	if i < 0 {
		return job{}, false
	}
	j := d.ready[i]
	d.ready = slices.Delete(d.ready, i, i+1)
	d.inflight[j.EndpointID]++
	d.sending++
	return j, true
}

// sendable says whether j's endpoint is under PerEndpoint attempts in
// flight; d.mu is held.
func (d *Deliverer) sendable(j job) bool {
	return d.inflight[j.EndpointID] < d.PerEndpoint
}

// sender sends the deliveries handed to it, and then each ready one that
// the bounds allow, one at a time, under work (which outlives Run's
// context for the shutdown grace), until jobs is closed. Run starts
// Concurrency of them: a goroutine per attempt grew a new stack for every
// HTTP request (4-5 % of the process's CPU while draining a backlog), a
// sender keeps its own.
func (d *Deliverer) sender(work context.Context, jobs <-chan job, wg *sync.WaitGroup, done chan<- struct{}) {
	for j := range jobs {
		for more := true; more; {
			if d.claimsAhead() && d.Now().Sub(j.claimedAt) > d.maxReadyWait() {
				// Waited so long that the lease may not cover the attempt:
				// behind attempts of a hanging endpoint that each took
				// the whole timeout, or in a stalled process.
				d.mu.Lock()
				d.unsend(j)
				d.mu.Unlock()
				d.release(work, wg, []job{j})
			} else {
				d.attempt(work, j.Claimed)
				d.mu.Lock()
				d.unsend(j)
				d.drop(j.EndpointID)
				d.mu.Unlock()
				wg.Done()
			}
			d.mu.Lock()
			j, more = d.next()
			d.mu.Unlock()
		}
		select {
		case done <- struct{}{}:
		default:
		}
	}
}

// unsend counts j out of the attempts in flight; d.mu is held.
func (d *Deliverer) unsend(j job) {
	if d.inflight[j.EndpointID]--; d.inflight[j.EndpointID] <= 0 {
		delete(d.inflight, j.EndpointID)
	}
	d.sending--
}

// attempt sends one claimed delivery, not before its send slot, and
// queues the result for record.
func (d *Deliverer) attempt(ctx context.Context, c webhooks.Claimed) {
	if wait := c.NotBefore.Sub(d.Now()); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return // shutting down: the lease expires and the delivery is sent later
		case <-t.C:
		}
	}
	res := d.send(ctx, c)
	if ctx.Err() != nil {
		return // shutting down: the lease expires and the attempt is retried
	}
	dec := webhooks.Decide(res, d.Config.Schedule, c.Attempts, c.Retries)
	d.results <- webhooks.Completed{Claimed: c, Result: res, Decision: dec}
}

// maxRecordBatch bounds the attempts recorded in one transaction.
const maxRecordBatch = 512

// record writes the attempts that ended, as they end: each transaction
// takes every attempt that ended while the previous one was written, so
// recording keeps up with any rate in one commit per batch. It returns
// when results is closed and drained. A batch that cannot be written is
// logged and left to its leases: those deliveries fall due again.
func (d *Deliverer) record(ctx context.Context) {
	for first := range d.results {
		batch := []webhooks.Completed{first}
	more:
		for len(batch) < maxRecordBatch {
			select {
			case c, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, c)
			default:
				break more
			}
		}
		// Recording must not be cut short by a shutdown that starts now:
		// the receivers have the deliveries, the log should say so.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWithin)
		err := d.Store.CompleteBatch(rctx, batch, d.Config.DisableAfter)
		cancel()
		if err != nil {
			d.Log.Error("webhook attempts not recorded", "attempts", len(batch), "first", batch[0].Claimed.DeliveryID, "err", err)
			continue
		}
		// What was recorded may free the next delivery of a fifo
		// endpoint: claim now, not at the next poll.
		if slices.ContainsFunc(batch, func(c webhooks.Completed) bool { return c.Claimed.Fifo }) {
			d.mu.Lock()
			d.fifoRecorded = true
			d.mu.Unlock()
		}
		select {
		case d.recorded <- struct{}{}:
		default:
		}
		if d.OnAttempt != nil {
			for _, c := range batch {
				d.OnAttempt(c.Claimed, c.Result, c.Decision)
			}
		}
	}
}

// The headers that say which object a delivery's event is about and the
// version of that object's stream the event made, so that a receiver can
// discard stale updates and see gaps without parsing the body. A ping,
// which is about no stored object, has neither.
const (
	HeaderResource        = "Facturo-Resource"
	HeaderResourceVersion = "Facturo-Resource-Version"
)

// send makes the HTTP request: signed per Standard Webhooks, no redirects
// followed, response body read up to webhooks.MaxResponseBody.
func (d *Deliverer) send(ctx context.Context, c webhooks.Claimed) webhooks.AttemptResult {
	start := d.Now()
	res := webhooks.AttemptResult{At: start.UTC()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(c.Body))
	if err != nil {
		res.Error = "invalid request: " + err.Error()
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Facturo-Webhooks/1.0")
	if err := stdwebhooks.Headers(req.Header, c.Secrets, c.EventID, start, c.Body); err != nil {
		res.Error = "signing failed"
		d.Log.Error("webhook signing failed", "delivery", c.DeliveryID, "err", err)
		return res
	}
	if c.Resource != "" {
		req.Header.Set(HeaderResource, c.Resource)
		req.Header.Set(HeaderResourceVersion, strconv.Itoa(c.ResourceVersion))
	}
	resp, err := d.Client.Do(req)
	if err != nil {
		res.Duration = time.Since(start)
		res.Error = transportError(err)
		return res
	}
	defer resp.Body.Close()
	body, truncated, rerr := webhooks.ReadLimited(resp.Body, webhooks.MaxResponseBody)
	res.Duration = time.Since(start)
	res.StatusCode = resp.StatusCode
	res.Body = strings.ToValidUTF8(string(body), "\uFFFD")
	res.Truncated = truncated
	if rerr != nil {
		res.Error = "reading response: " + transportError(rerr)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		res.Error = "redirects are not followed (Location: " + truncate(resp.Header.Get("Location"), 200) + ")"
	}
	if ra, ok := webhooks.ParseRetryAfter(resp.Header.Get("Retry-After"), d.Now()); ok {
		res.RetryAfter = ra
	}
	return res
}

// transportError describes a failed request without echoing internals
// beyond what the endpoint owner needs to fix their side: the delivery log
// is the tenant's, so resolver details (our DNS servers, which internal
// names exist) never reach it.
func transportError(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, webhooks.ErrAddressNotAllowed):
		return "destination address not allowed"
	case errors.Is(err, webhooks.ErrInvalidURL):
		return "destination host not allowed"
	case errors.As(err, &dnsErr):
		return "could not resolve host"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	var uerr interface{ Timeout() bool }
	if errors.As(err, &uerr) && uerr.Timeout() {
		return "timed out"
	}
	return truncate(err.Error(), 500)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
