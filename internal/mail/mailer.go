package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	gomail "github.com/wneessen/go-mail"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/natsjs"
)

// PDFs renders the PDF of a document as it was at a stream version (the
// version of its send event), for the attachment. kind is "invoice",
// "receipt" or "retention". internal/pdf's Renderer implements it.
type PDFs interface {
	PDF(ctx context.Context, t facturo.Tenant, kind, id string, version int64) (filename string, body []byte, err error)
}

// Sender delivers one message; an error that is an *Answer says what the
// server answered (SMTP implements it).
type Sender interface {
	Send(ctx context.Context, m *gomail.Msg) error
}

// DefaultDurable is the JetStream durable consumer every Mailer shares.
const DefaultDurable = "mailer"

// Mailer emails documents: it consumes the live <kind>.sent events (a
// durable JetStream consumer, like the webhook fan-out) and appends the
// outcome to the document's stream (command.RecordEmail). A message is
// acknowledged only after its outcome is committed, so a crash redelivers
// it and nothing is lost: the email may then go twice, with the same
// Message-ID (MessageID), and the outcome is recorded once. A send whose
// outcome is already recorded is never sent again. Test-mode documents
// never reach it: their sends are <kind>.send_skipped.
type Mailer struct {
	Commands command.Store
	Stream   jetstream.Stream // EVENTS
	Config   Config
	PDFs     PDFs    // nil: every live send fails, visibly
	Issuers  Issuers // who sends, in which language; nil: English, unnamed
	Sender   Sender  // default SMTP{Config: Config}
	Log      *slog.Logger
	Durable  string        // default DefaultDurable
	AckWait  time.Duration // redelivery after a crash, default 2m (above a retry wait and one attempt)
	// Backoff is the retry policy of one message on temporary failures
	// (4xx answers, an unreachable server); default exponential from 2s
	// to 30s, given up after 15m, when the last answer is recorded.
	Backoff func() backoff.BackOff
	// MaxAge bounds how old a send may be when the mailer first sees it
	// (default 24h): an older one (it predates the mailer, or waited out
	// a long outage) is recorded as failed instead of emailed out of the
	// blue; sending again starts over.
	MaxAge      time.Duration
	Concurrency int // messages in flight, default 4
}

func (m *Mailer) defaults() {
	if m.Durable == "" {
		m.Durable = DefaultDurable
	}
	if m.AckWait <= 0 {
		m.AckWait = 2 * time.Minute
	}
	if m.Sender == nil {
		m.Sender = SMTP{Config: m.Config}
	}
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Backoff == nil {
		m.Backoff = func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = 2*time.Second, 30*time.Second, 15*time.Minute
			return b
		}
	}
	if m.MaxAge <= 0 {
		m.MaxAge = 24 * time.Hour
	}
	if m.Concurrency <= 0 {
		m.Concurrency = 4
	}
}

// Subjects are the subjects of the live send events.
func Subjects() []string {
	var out []string
	for _, k := range invoicing.MailedKinds {
		out = append(out, events.SubjectPrefix+".live.*."+k+".sent")
	}
	return out
}

// Run mails until ctx ends, then returns nil; it returns an error when it
// cannot go on (NATS or PostgreSQL away): run it under a supervise.Group.
func (m *Mailer) Run(ctx context.Context) error {
	m.defaults()
	err := m.consume(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (m *Mailer) consume(ctx context.Context) error {
	cons, err := m.Stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:        m.Durable,
		Description:    "mailer: live send events to emails",
		FilterSubjects: Subjects(),
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        m.AckWait,
		MaxAckPending:  4 * m.Concurrency,
		MaxDeliver:     -1,
	})
	if err != nil {
		return fmt.Errorf("mailer consumer: %w", err)
	}
	for {
		batch, err := cons.Fetch(m.Concurrency, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, m.Concurrency)
		for msg := range batch.Messages() {
			wg.Go(func() {
				if err := m.handle(ctx, msg); err != nil {
					_ = msg.NakWithDelay(time.Second)
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("fetch: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// handle mails one send event and records its outcome, then acknowledges
// it. It returns an error for a failure a retry may fix.
func (m *Mailer) handle(ctx context.Context, msg jetstream.Msg) error {
	e, err := natsjs.Decode(msg)
	if err != nil {
		m.Log.Error("mailer: undecodable message terminated", "subject", msg.Subject(), "err", err)
		return msg.Term()
	}
	kind, ok := invoicing.IsSendEvent(e.Type)
	if !ok || !e.Livemode { // never mail test mode, whatever arrives
		return msg.Ack()
	}
	l, answered, err := m.letter(ctx, kind, e)
	if errors.Is(err, errUnmailable) { // a retry cannot help: never block the others
		m.Log.Error("mailer: send event terminated", "event_id", e.ID, "err", err)
		return msg.Term()
	}
	if err != nil {
		return fmt.Errorf("mailer: %s: %w", e.ID, err)
	}
	if answered {
		return msg.Ack()
	}
	o, delivered, err := m.deliver(ctx, msg, kind, e, l)
	if err != nil || ctx.Err() != nil { // shutting down: the redelivery decides
		return err
	}
	o.MessageID, o.At = l.MessageID, time.Now().UTC()
	if err := m.record(ctx, e, o, delivered); err != nil {
		return fmt.Errorf("mailer: record outcome of %s: %w", e.ID, err)
	}
	m.Log.Info("mailer: email outcome recorded", "event_id", e.ID, "document", e.StreamID,
		"delivered", delivered, "smtp_code", o.SMTPCode, "message", o.Message)
	return msg.Ack()
}

// record appends the outcome, deciding again when a request changed the
// document meanwhile (version_conflict): the outcome does not depend on
// what changed.
func (m *Mailer) record(ctx context.Context, e events.Event, o invoicing.EmailOutcome, delivered bool) error {
	for attempt := 1; ; attempt++ {
		err := command.RecordEmail(ctx, m.Commands, command.Meta{Now: o.At}, e, o, delivered)
		if attempt == 5 || !facturo.IsCode(err, facturo.CodeVersionConflict) {
			return err
		}
	}
}

// deliver sends l with its PDF, retrying temporary failures; it returns
// the outcome to record, or an error when nothing should be recorded yet
// (the PDF could not be rendered this time).
func (m *Mailer) deliver(ctx context.Context, msg jetstream.Msg, kind string, e events.Event, l Letter) (invoicing.EmailOutcome, bool, error) {
	switch {
	case !m.Config.Configured():
		return invoicing.EmailOutcome{Message: m.Config.Missing()}, false, nil
	case m.PDFs == nil:
		return invoicing.EmailOutcome{Message: "no PDF renderer is configured"}, false, nil
	case time.Since(e.CreatedAt) > m.MaxAge:
		return invoicing.EmailOutcome{Message: fmt.Sprintf("not sent: the send is older than %s; send the document again", m.MaxAge)}, false, nil
	}
	t := facturo.Tenant{OrgID: e.OrgID, Livemode: e.Livemode}
	name, pdf, err := m.PDFs.PDF(ctx, t, kind, e.StreamID, int64(e.StreamVersion))
	if err != nil {
		if natsjs.Deliveries(msg) < 5 {
			return invoicing.EmailOutcome{}, false, fmt.Errorf("mailer: PDF of %s: %w", e.StreamID, err)
		}
		return invoicing.EmailOutcome{Message: clip("the PDF could not be rendered: " + err.Error())}, false, nil
	}
	l.Filename, l.PDF = name, pdf
	out, err := Compose(m.Config.From, l)
	if err != nil {
		return invoicing.EmailOutcome{Message: clip("the message could not be built: " + err.Error())}, false, nil
	}
	err = backoff.RetryNotify(func() error {
		err := m.Sender.Send(ctx, out)
		var a *Answer
		if errors.As(err, &a) && a.Permanent() {
			return backoff.Permanent(err)
		}
		return err
	}, backoff.WithContext(m.Backoff(), ctx), func(err error, next time.Duration) {
		_ = msg.InProgress() // still ours while we wait
		m.Log.Warn("mailer: temporary failure, retrying", "event_id", e.ID, "in", next, "err", err)
	})
	if err == nil {
		return invoicing.EmailOutcome{}, true, nil
	}
	var a *Answer
	if !errors.As(err, &a) {
		a = &Answer{Message: clip(err.Error())}
	}
	return invoicing.EmailOutcome{SMTPCode: a.Code, Message: a.Error()}, false, nil
}
