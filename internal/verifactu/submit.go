package verifactu

import (
	"context"
	"time"
)

// Submitter sends billing records to the tax agency and says what became
// of each. It gets the pending records of one chain in chain order (AEAT
// wants them in the order they were generated, each naming the one
// before) and answers one Outcome per record, in the same order; an error
// means nothing was decided, and the records stay pending to be offered
// again.
//
// An AEAT submitter needs more than this package holds: the issuer's
// qualified certificate for mutual TLS, the SOAP envelope of
// SuministroLR (RegFactuSistemaFacturacion) with the records' full
// XML (breakdown by tax rate, the SIF's identification), and the
// AEAT's flow control (the wait time its answers impose between
// submissions). None is implemented: live records stay pending.
type Submitter interface {
	Submit(ctx context.Context, records []Record) ([]Outcome, error)
}

// Outcome is what became of one submitted record.
type Outcome struct {
	Status string // StatusAccepted or StatusRejected
	Detail string
	At     time.Time
}

// Sandbox is the Submitter of test mode: it accepts a record as AEAT's
// checks would, if its fingerprint is the one of its fields and it names
// the record before it, when it was given that one too; otherwise it rejects it with the broken link. It sends nothing
// anywhere.
type Sandbox struct {
	Now func() time.Time
}

// Submit checks and answers every record.
func (s Sandbox) Submit(_ context.Context, records []Record) ([]Outcome, error) {
	out := make([]Outcome, len(records))
	for i := range records {
		r := &records[i]
		o := Outcome{Status: StatusAccepted, Detail: "accepted by the test-mode sandbox; nothing was sent to the AEAT", At: s.Now().UTC()}
		var b *Break
		if i > 0 && records[i-1].Sequence == r.Sequence-1 {
			b = Check(&records[i-1], r)
		} else {
			b = checkFingerprint(r)
		}
		if b != nil {
			o.Status, o.Detail = StatusRejected, "rejected by the test-mode sandbox: "+b.Error()
		}
		out[i] = o
	}
	return out, nil
}

// Queue holds the records waiting for submission (internal/postgres
// implements it): Submit offers up to limit pending records of one mode
// to s, stores what s decided and returns how many records it decided.
type Queue interface {
	Submit(ctx context.Context, livemode bool, limit int, s Submitter) (int, error)
}

// Runner offers the pending records of one mode to its Submitter until
// its context ends: a full batch is followed by the next at once, a
// shorter one by a pause. An error ends Run (a supervisor restarts it);
// the records stay pending.
type Runner struct {
	Queue     Queue
	Livemode  bool
	Submitter Submitter
	Batch     int           // records per submission; AEAT takes up to 1000
	Every     time.Duration // the pause once the queue is drained
}

// Run submits until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	for {
		n, err := r.Queue.Submit(ctx, r.Livemode, r.Batch, r.Submitter)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n == r.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.Every):
		}
	}
}
