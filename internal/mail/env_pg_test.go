package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/emersion/go-smtp"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/shopspring/decimal"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/mail"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/postgres/pgtest"
	"github.com/facturo/facturo/internal/relay"
	"github.com/facturo/facturo/internal/testenv"
)

// env is the pipeline a send goes through, on real services: PostgreSQL,
// an embedded JetStream server, the relay, and an SMTP server in process.
type env struct {
	t      *testing.T
	ctx    context.Context
	store  *postgres.EventStore
	stream jetstream.Stream
	js     jetstream.JetStream
	org    string
	smtp   *smtpServer
	pdfs   *fakePDFs
	wg     *sync.WaitGroup
	log    *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if err := app.InstallEventTypes(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dsn := pgtest.Migrated(t)
	db, err := postgres.Open(ctx, dsn, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	ns := testenv.NATS(t)
	nc, err := natsjs.Connect(ns.URL(), "mail-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := natsjs.EnsureStream(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, store: postgres.NewEventStore(db, events.Upcast), stream: stream, js: js,
		org: id.New(id.Organization), smtp: startSMTP(t), pdfs: &fakePDFs{},
		wg: &sync.WaitGroup{}, log: slog.New(slog.DiscardHandler)}
	t.Cleanup(func() { cancel(); e.wg.Wait() })
	r := &relay.Relay{Store: e.store, JS: js, Log: e.log, Poll: 50 * time.Millisecond}
	e.wg.Go(func() { _ = r.Run(ctx) })
	return e
}

// mailer starts a mailer on the test SMTP server until ctx ends.
func (e *env) mailer(ctx context.Context, edit ...func(*mail.Mailer)) {
	m := &mail.Mailer{Commands: e.store.Commands(), Stream: e.stream, PDFs: e.pdfs, Log: e.log,
		Config: mail.Config{Host: "127.0.0.1", Port: e.smtp.port, TLS: mail.NoTLS, From: "Facturo <billing@facturo.test>"},
		Backoff: func() backoff.BackOff {
			return backoff.WithMaxRetries(backoff.NewConstantBackOff(50*time.Millisecond), 4)
		},
		AckWait: time.Second}
	for _, f := range edit {
		f(m)
	}
	e.wg.Go(func() { _ = m.Run(ctx) })
}

func (e *env) tenant(live bool) facturo.Tenant { return facturo.Tenant{OrgID: e.org, Livemode: live} }

func (e *env) meta() command.Meta { return command.Meta{Now: time.Now().UTC()} }

// sentInvoice issues an invoice and sends it to to; it returns the send
// event.
func (e *env) sentInvoice(live bool, to string) events.Event {
	e.t.Helper()
	st, t, m := e.store.Commands(), e.tenant(live), e.meta()
	c, err := command.CreateClient(e.ctx, st, t, m, invoicing.ClientInput{LegalName: "Acme <SA> & Co", TaxID: "AAA010101AAA",
		Email: "ap@acme.example", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		e.t.Fatal(err)
	}
	price, no := decimal.RequireFromString("100"), false
	inv, err := command.CreateInvoice(e.ctx, st, t, m, invoicing.InvoiceInput{Client: c.ID, PaymentForm: "03",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Consulting", Price: &price, TaxIncluded: &no}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := command.IssueInvoice(e.ctx, st, t, m, inv.ID, command.None{}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := command.SendInvoice(e.ctx, st, t, m, inv.ID, invoicing.SendInput{To: invoicing.Recipients{to}}); err != nil {
		e.t.Fatal(err)
	}
	return e.last(t, inv.ID)
}

// sentReceipt creates a receipt and sends it to to.
func (e *env) sentReceipt(to string) events.Event {
	e.t.Helper()
	st, t, m := e.store.Commands(), e.tenant(true), e.meta()
	price := decimal.RequireFromString("116")
	r, err := command.CreateReceipt(e.ctx, st, t, m, invoicing.ReceiptInput{PaymentForm: "01",
		Items: []invoicing.ItemInput{{Product: invoicing.ProductRef{Inline: &invoicing.ProductInput{Description: "Coffee", Price: &price}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := command.SendReceipt(e.ctx, st, t, m, r.ID, invoicing.ReceiptSendInput{To: invoicing.Recipients{to}}); err != nil {
		e.t.Fatal(err)
	}
	return e.last(t, r.ID)
}

// sentRetention issues a retention and sends it to its client's email.
func (e *env) sentRetention() events.Event {
	e.t.Helper()
	st, t, m := e.store.Commands(), e.tenant(true), e.meta()
	c, err := command.CreateClient(e.ctx, st, t, m, invoicing.ClientInput{LegalName: "Acme", TaxID: "AAA010101AAA",
		Email: "tax@acme.example", Address: invoicing.Address{Zip: "06600"}})
	if err != nil {
		e.t.Fatal(err)
	}
	amount, rate := decimal.RequireFromString("10"), decimal.RequireFromString("0.10")
	r, err := command.CreateRetention(e.ctx, st, t, m, invoicing.RetentionInput{Client: c.ID,
		Period:   invoicing.RetentionPeriod{FromMonth: 1, ToMonth: 1, Year: 2025},
		Concepts: []invoicing.RetentionConcept{{Description: "Fees", Amount: &amount, Taxes: []invoicing.TaxInput{{Type: "ISR", Rate: &rate}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := command.IssueRetention(e.ctx, st, t, m, r.ID, command.None{}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := command.SendRetention(e.ctx, st, t, m, r.ID, invoicing.SendInput{}); err != nil {
		e.t.Fatal(err)
	}
	return e.last(t, r.ID)
}

// last is the last event of a stream.
func (e *env) last(t facturo.Tenant, streamID string) events.Event {
	h := e.history(t, streamID)
	return h[len(h)-1]
}

func (e *env) history(t facturo.Tenant, streamID string) []events.Event {
	e.t.Helper()
	h, err := e.store.Load(e.ctx, events.Stream{ID: streamID, OrgID: t.OrgID, Livemode: t.Livemode})
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// outcomes waits until the stream of send holds an outcome and returns
// every outcome event.
func (e *env) outcomes(send events.Event) []events.Event {
	e.t.Helper()
	t := facturo.Tenant{OrgID: send.OrgID, Livemode: send.Livemode}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var out []events.Event
		for _, ev := range e.history(t, send.StreamID) {
			if bytes.HasSuffix([]byte(ev.Type), []byte(".email_delivered")) || bytes.HasSuffix([]byte(ev.Type), []byte(".email_failed")) {
				out = append(out, ev)
			}
		}
		if len(out) > 0 {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no outcome of %s %s", send.Type, send.ID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakePDFs renders fixed bytes that name what they were asked for.
type fakePDFs struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakePDFs) PDF(_ context.Context, t facturo.Tenant, kind, id string, version int64) (string, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := fmt.Sprintf("%s/%s/%s@%d", t.OrgID, kind, id, version)
	f.calls = append(f.calls, call)
	return id + ".pdf", fakePDF(kind, id, version), nil
}

func fakePDF(kind, id string, version int64) []byte {
	b := []byte(fmt.Sprintf("%%PDF-1.7\n%% %s %s v%d\n", kind, id, version))
	for i := range 300 { // binary, and long enough to wrap in base64
		b = append(b, byte(i))
	}
	return b
}

// smtpServer is a real SMTP server (emersion/go-smtp) on loopback that
// keeps what it receives and answers as the test scripts.
type smtpServer struct {
	port  int
	mu    sync.Mutex
	conns int
	got   []received
	// answer, if set, decides the reply to each DATA (nil: accept) after
	// the message was read; rcpt the reply to each RCPT.
	answer func(n int, to []string) error
	rcpt   func(to string) error
}

type received struct {
	to  []string
	raw []byte
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		return &session{s: s}, nil
	}))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received{}, s.got...)
}

func (s *smtpServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

type session struct {
	s  *smtpServer
	to []string
}

func (x *session) Reset()                               { x.to = nil }
func (x *session) Logout() error                        { return nil }
func (x *session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	rcpt := x.s.rcpt
	x.s.mu.Unlock()
	if rcpt != nil {
		if err := rcpt(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, received{to: x.to, raw: raw})
	n, answer := len(x.s.got), x.s.answer
	x.s.mu.Unlock()
	if answer != nil {
		return answer(n, x.to)
	}
	return nil
}
