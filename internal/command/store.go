// Package command is Facturo's application layer: one function per write
// the API offers. A command loads the aggregates it needs from a Store,
// asks them to decide (pure code in internal/invoicing, internal/accounts,
// webhooks) and appends what they decide, all in one transaction, and
// returns the resulting aggregate. It knows nothing of HTTP: its callers
// give it the tenant, the Meta and a decoded input.
//
// The Store and Tx interfaces below are all a command needs of the event
// store; internal/postgres implements them (EventStore.Commands).
package command

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/verifactu"
)

// Claim names the Idempotency-Key a command serves. The store marks it
// committed in the command's transaction and records there, too, the
// answer to the command's result (Answer), so that a retry after a crash
// or a client disconnect between commit and answer gets that answer: the
// command never runs twice, and no committed request is left without one.
type Claim struct {
	Scope string // whose key: an organization mode, a user, the operator
	Key   string
	// Answer, when set, encodes the command's result as the response a
	// retry with the key replays. The store calls it inside the command's
	// transaction, after the command's function; the reads that package
	// postgres makes with ctx go through that transaction.
	Answer func(ctx context.Context, result any) (status int, body []byte, err error)

	result    any
	hasResult bool
}

// setResult hands the command's result to the claim; nothing on a nil
// claim. Commands do it through run.
func (c *Claim) setResult(v any) {
	if c != nil {
		c.result, c.hasResult = v, true
	}
}

// Response is the answer to record with the claim in the command's
// transaction: ok is false when there is no Answer to record. A command
// that ran without handing its result over (see run) is an error, so that
// no write commits with its claim and without its answer.
func (c *Claim) Response(ctx context.Context) (status int, body []byte, ok bool, err error) {
	if c == nil || c.Answer == nil {
		return 0, nil, false, nil
	}
	if !c.hasResult {
		return 0, nil, false, fmt.Errorf("idempotency key %q: the command gave its claim no result to answer", c.Key)
	}
	status, body, err = c.Answer(ctx, c.result)
	return status, body, err == nil, err
}

// Meta is what a command is given besides its tenant and input.
type Meta struct {
	events.Metadata        // recorded on every event the command appends
	Claim           *Claim // the Idempotency-Key it serves; nil without one
	Now             time.Time
}

// Store runs commands.
type Store interface {
	// Run runs fn in one transaction: everything fn appends commits
	// together, with the claim (when not nil) marked committed and its
	// Response recorded, or nothing does. A concurrent append to a stream
	// fn appends to fails the whole transaction with version_conflict.
	Run(ctx context.Context, meta events.Metadata, claim *Claim, fn func(Tx) error) error
	// Load reads one stream outside any transaction, in version order; a
	// stream of another tenant reads as empty.
	Load(ctx context.Context, st events.Stream) ([]events.Event, error)
}

// Tx is one command's transaction.
type Tx interface {
	// Load reads one stream in version order; a stream of another tenant
	// reads as empty.
	Load(ctx context.Context, st events.Stream) ([]events.Event, error)
	// Append adds drafts to a stream read at version expected (0 for a new
	// stream) and returns the stored events.
	Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error)
	// Countries is what the store remembers of organizations' countries
	// (Country).
	Countries() *Countries

	// Series numbering (gapless per tenant and series code). Every method
	// locks the code's counter until the transaction ends, so concurrent
	// writers queue on it, and a rollback gives a taken number back.

	// SeriesID returns the id of the series object that owns a code, ""
	// when no series was created with it. It locks nothing: a series,
	// once created, is never deleted.
	SeriesID(ctx context.Context, t facturo.Tenant, series string) (string, error)
	// LockCounter returns the counter of a series code, creating it.
	LockCounter(ctx context.Context, t facturo.Tenant, series string) (Counter, error)
	// TakeNumber takes the next number of a series code; it fails rather
	// than overflow.
	TakeNumber(ctx context.Context, t facturo.Tenant, series string) (Counter, int64, error)
	// ClaimSeries records that the series object seriesID owns code and
	// numbers on from next: resource_exists if another series owns it.
	ClaimSeries(ctx context.Context, t facturo.Tenant, code, seriesID string, next int64) error
	// MoveSeries sets where the numbering of a created series goes on
	// from; never at or below a number already issued.
	MoveSeries(ctx context.Context, t facturo.Tenant, code string, next int64) error

	// KeepLogo stores an organization's logo bytes under their digest
	// (l.SHA256), which organization.logo_updated names; keeping the same
	// bytes twice changes nothing.
	KeepLogo(ctx context.Context, orgID string, l accounts.Logo, data []byte) error

	// AppendBillingRecord chains e to t's VeriFactu chain: it locks the
	// chain until the transaction ends (concurrent writers queue), links
	// the record to the chain's last one, stamps its generation time
	// (GeneratedAt) once it holds the chain, so that times never go
	// backwards along a chain, and stores it pending submission.
	AppendBillingRecord(ctx context.Context, t facturo.Tenant, e verifactu.Entry) (verifactu.Record, error)
	// ScheduleRecurring records when a recurring invoice's next scheduled
	// period is due (nil: none is) and which period that is. Every command
	// that appends to a recurring invoice calls it in its transaction.
	ScheduleRecurring(ctx context.Context, t facturo.Tenant, templateID string, due *time.Time, period int) error
	// LockRecurring locks a recurring invoice's schedule until the
	// transaction ends: every command that appends to a template takes it
	// before reading the template, as the worker's claim does.
	LockRecurring(ctx context.Context, t facturo.Tenant, templateID string) error
	// ClaimDueRecurring locks, until the transaction ends, the schedule of
	// one recurring invoice of any tenant whose next period is due at now;
	// one that another transaction holds is skipped. ok is false when no
	// other is due.
	ClaimDueRecurring(ctx context.Context, now time.Time) (run DueRun, ok bool, err error)

	// Quotes' public links and expiries.

	// SaveQuoteLink records the SHA-256 of a sent quote's link token and
	// until when the link works.
	SaveQuoteLink(ctx context.Context, t facturo.Tenant, quoteID string, tokenSHA256 []byte, expiresAt time.Time) error
	// ScheduleQuoteExpiry records when a sent quote expires.
	ScheduleQuoteExpiry(ctx context.Context, t facturo.Tenant, quoteID string, at time.Time) error
	// NextDueQuote locks one expiry due at now that no other transaction
	// holds, until the transaction ends; ok is false when none is due.
	NextDueQuote(ctx context.Context, now time.Time) (t facturo.Tenant, quoteID string, ok bool, err error)
	// ForgetQuoteExpiry deletes a quote's expiry.
	ForgetQuoteExpiry(ctx context.Context, t facturo.Tenant, quoteID string) error
}

// DueRun is a recurring invoice's scheduled period that is due.
type DueRun struct {
	Tenant   facturo.Tenant
	Template string
	Period   int
	Due      time.Time
}

// Counter is the numbering state of one series code of a tenant.
type Counter struct {
	Series     string
	SeriesID   string // "" for a code used but never created as a series
	NextNumber int64
	LastIssued int64
}

// run runs fn in one transaction of st, serving m's claim: fn's result is
// handed to the claim inside the transaction, so that the store records
// the answer to it with the events. Every command runs its transaction
// through run (or runEndpoint).
//
// A conflict with events that only the mailer appended meanwhile (the
// outcome of an email, which no decision reads) is not the caller's: fn
// runs again on the new state, a few times, instead of answering
// version_conflict to a request that raced the mailer. A conflict with
// any other writer still answers version_conflict.
func run[Out any](ctx context.Context, st Store, m Meta, fn func(Tx) (Out, error)) (Out, error) {
	for attempt := 1; ; attempt++ {
		var appends []appendAt
		out, err := runOnce(ctx, st, m, func(tx Tx) (Out, error) {
			return fn(recordingTx{Tx: tx, appends: &appends})
		})
		if attempt < 4 && len(appends) > 0 && facturo.IsCode(err, facturo.CodeVersionConflict) {
			if only, lerr := onlyEmailOutcomesAfter(ctx, st, appends); lerr == nil && only {
				continue
			}
		}
		return out, err
	}
}

func runOnce[Out any](ctx context.Context, st Store, m Meta, fn func(Tx) (Out, error)) (Out, error) {
	var out Out
	err := st.Run(ctx, m.Metadata, m.Claim, func(tx Tx) error {
		var appended []events.Event
		var err error
		if out, err = fn(eventsTx{Tx: tx, appended: &appended}); err != nil {
			return err
		}
		if err := keepBillingRecords(ctx, tx, appended); err != nil {
			return err
		}
		m.Claim.setResult(out)
		return nil
	})
	if err != nil {
		var zero Out
		return zero, err
	}
	return out, nil
}

// appendAt is a stream a transaction appended to, at the version it read.
type appendAt struct {
	stream   events.Stream
	expected int
}

// recordingTx notes where its command appends, so that run can tell who
// it conflicted with. Only the first append to a stream is noted: that is
// the version the command read, and a later append to the same stream
// (an invoice created, then issued, in one transaction) is at a version
// the transaction made itself, which no one else can have moved and which
// a rollback takes away.
type recordingTx struct {
	Tx
	appends *[]appendAt
}

func (tx recordingTx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	if !slices.ContainsFunc(*tx.appends, func(a appendAt) bool { return a.stream == st }) {
		*tx.appends = append(*tx.appends, appendAt{stream: st, expected: expected})
	}
	return tx.Tx.Append(ctx, st, expected, drafts...)
}

// eventsTx keeps the events its command appends, so that runOnce can
// derive what they cause in the same transaction (keepBillingRecords).
type eventsTx struct {
	Tx
	appended *[]events.Event
}

func (tx eventsTx) Append(ctx context.Context, st events.Stream, expected int, drafts ...events.Draft) ([]events.Event, error) {
	out, err := tx.Tx.Append(ctx, st, expected, drafts...)
	*tx.appended = append(*tx.appended, out...)
	return out, err
}

// onlyEmailOutcomesAfter reports whether every event appended to those
// streams after the versions their command read is an email outcome (see
// invoicing.IsEmailOutcome).
func onlyEmailOutcomesAfter(ctx context.Context, st Store, appends []appendAt) (bool, error) {
	for _, a := range appends {
		history, err := st.Load(ctx, a.stream)
		if err != nil || len(history) < a.expected {
			return false, err
		}
		for _, e := range history[a.expected:] {
			if !invoicing.IsEmailOutcome(e.Type) {
				return false, nil
			}
		}
	}
	return true, nil
}

// None is the input of a command that takes no parameters.
type None struct{}

// stream names a stream of t.
func stream(t facturo.Tenant, streamID string) events.Stream {
	return events.Stream{ID: streamID, OrgID: t.OrgID, Livemode: t.Livemode}
}
