package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/mail"
)

// Every kind of document goes out as one message: multipart/mixed with a
// multipart/alternative (plain text, then escaped HTML) and the PDF of the
// version sent, byte for byte, under a Message-ID derived from the send
// event; the outcome lands on the document's stream and in last_send.
func TestMailerSendsEachDocumentWithItsPDF(t *testing.T) {
	e := newEnv(t)
	e.mailer(e.ctx)
	sends := []events.Event{e.sentInvoice(true, "ap@acme.example"), e.sentReceipt("buyer@example.com"), e.sentRetention()}
	for _, send := range sends {
		outcomes := e.outcomes(send)
		if len(outcomes) != 1 || !strings.HasSuffix(outcomes[0].Type, ".email_delivered") {
			t.Fatalf("%s: outcomes %v", send.Type, types(outcomes))
		}
		var o invoicing.EmailOutcome
		if err := json.Unmarshal(outcomes[0].Data, &o); err != nil || o.Send != send.ID || o.MessageID != "<"+send.ID+"@facturo>" {
			t.Errorf("%s: outcome %+v (%v)", send.Type, o, err)
		}
		kind := strings.TrimSuffix(send.Type, ".sent")
		msg := e.messageFor(t, send.ID)
		checkMIME(t, msg, fakePDF(kind, send.StreamID, int64(send.StreamVersion)), send.StreamID+".pdf")
		if ls := lastSend(t, e, send); ls.Status != invoicing.SendDelivered || ls.Error != nil {
			t.Errorf("%s: last_send %+v", send.Type, ls)
		}
	}
	msg := e.messageFor(t, sends[0].ID)
	parts := readParts(t, msg.Header.Get("Content-Type"), msg.Body, "multipart/mixed")
	alt := readParts(t, parts[0].header.Get("Content-Type"), bytes.NewReader(parts[0].body), "multipart/alternative")
	if html := decodePart(t, alt[1]); !bytes.Contains(html, []byte("Hello Acme &lt;SA&gt; &amp; Co,")) {
		t.Errorf("HTML body:\n%s", html)
	}
	msg = e.messageFor(t, sends[0].ID)
	if got := msg.Header.Get("To"); got != "<ap@acme.example>" {
		t.Errorf("To %q", got)
	}
	if got := msg.Header.Get("Subject"); !strings.HasPrefix(got, "Invoice ") {
		t.Errorf("Subject %q", got)
	}
}

// A 451 is retried with backoff and the retry is the same message; a 550
// is final: email_failed with the SMTP code and answer, shown in last_send.
func TestMailerRetriesTemporaryAndRecordsPermanentFailures(t *testing.T) {
	e := newEnv(t)
	e.smtp.answer = func(n int, to []string) error {
		if to[0] == "flaky@acme.example" && n == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
		}
		return nil
	}
	e.smtp.rcpt = func(to string) error {
		if to == "nobody@acme.example" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
		}
		return nil
	}
	e.mailer(e.ctx)

	flaky := e.sentInvoice(true, "flaky@acme.example")
	if out := e.outcomes(flaky); len(out) != 1 || out[0].Type != invoicing.InvoiceEmailDelivered {
		t.Fatalf("after a 451: %v", types(out))
	}
	var ids []string
	for _, m := range e.smtp.messages() {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.raw))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.Header.Get("Message-Id"))
	}
	if want := "<" + flaky.ID + "@facturo>"; len(ids) != 2 || ids[0] != want || ids[1] != want {
		t.Errorf("attempts carry Message-IDs %v, want twice %s", ids, want)
	}

	refused := e.sentInvoice(true, "nobody@acme.example")
	out := e.outcomes(refused)
	if len(out) != 1 || out[0].Type != invoicing.InvoiceEmailFailed {
		t.Fatalf("after a 550: %v", types(out))
	}
	var o invoicing.EmailOutcome
	if err := json.Unmarshal(out[0].Data, &o); err != nil || o.SMTPCode != 550 || !strings.Contains(o.Message, "No such user here") {
		t.Errorf("failure %+v (%v)", o, err)
	}
	ls := lastSend(t, e, refused)
	if ls.Status != invoicing.SendFailed || ls.Error == nil || !strings.Contains(*ls.Error, "550") {
		t.Errorf("last_send %+v", ls)
	}
	if n := len(e.smtp.messages()); n != 2 {
		t.Errorf("%d messages reached DATA; the 550 must not be retried", n)
	}
}

// Test mode never opens an SMTP connection: its send is skipped at the
// API, and the mailer ignores it; the live send after it is the only
// connection.
func TestTestModeNeverConnects(t *testing.T) {
	e := newEnv(t)
	e.mailer(e.ctx)
	skipped := e.sentInvoice(false, "test@acme.example")
	if skipped.Type != invoicing.InvoiceSendSkipped {
		t.Fatalf("test mode appended %s", skipped.Type)
	}
	live := e.sentInvoice(true, "live@acme.example")
	e.outcomes(live)
	if n := e.smtp.connections(); n != 1 {
		t.Errorf("%d SMTP connections, want the live one only", n)
	}
	if ls := lastSend(t, e, skipped); ls.Status != invoicing.SendSkipped {
		t.Errorf("test mode last_send %+v", ls)
	}
}

// Without FACTURO_SMTP_URL and FACTURO_MAIL_FROM a live send is never a
// silent success: it fails, saying what is missing, and nothing connects.
func TestUnconfiguredMailerFailsVisibly(t *testing.T) {
	e := newEnv(t)
	e.mailer(e.ctx, func(m *mail.Mailer) { m.Config = mail.Config{} })
	send := e.sentInvoice(true, "ap@acme.example")
	out := e.outcomes(send)
	if len(out) != 1 || out[0].Type != invoicing.InvoiceEmailFailed {
		t.Fatalf("outcomes %v", types(out))
	}
	ls := lastSend(t, e, send)
	want := "email is not configured: set FACTURO_SMTP_URL and FACTURO_MAIL_FROM"
	if ls.Status != invoicing.SendFailed || ls.Error == nil || *ls.Error != want {
		t.Errorf("last_send %+v, want failed with %q", ls, want)
	}
	if n := e.smtp.connections(); n != 0 {
		t.Errorf("%d SMTP connections", n)
	}
}

// A mailer that dies after the server took the message but before the
// outcome committed: the next one sends it again, as the same message
// (same Message-ID), and the outcome is recorded once.
func TestMailerCrashBeforeRecordingSendsAgainOnce(t *testing.T) {
	e := newEnv(t)
	crash, crashed := context.WithCancel(e.ctx)
	inData := make(chan struct{})
	e.smtp.answer = func(n int, _ []string) error {
		if n == 1 {
			close(inData)
			<-crash.Done() // the mailer is gone before it hears the answer
		}
		return nil
	}
	e.mailer(crash)
	send := e.sentInvoice(true, "ap@acme.example")
	select {
	case <-inData:
	case <-time.After(20 * time.Second):
		t.Fatal("the first mailer never sent")
	}
	crashed()
	time.Sleep(200 * time.Millisecond)
	if h := e.history(e.tenant(true), send.StreamID); h[len(h)-1].ID != send.ID {
		t.Fatalf("an outcome was recorded by the crashed mailer: %s", h[len(h)-1].Type)
	}
	e.mailer(e.ctx)
	e.outcomes(send)
	time.Sleep(300 * time.Millisecond) // a duplicate outcome would show by now
	out := outcomesOf(e.history(e.tenant(true), send.StreamID))
	if len(out) != 1 || out[0].Type != invoicing.InvoiceEmailDelivered {
		t.Fatalf("outcomes %v, want one delivery", types(out))
	}
	got := e.smtp.messages()
	if len(got) != 2 {
		t.Fatalf("%d messages, want the first and its resend", len(got))
	}
	for _, h := range []string{"Message-Id", "Date", "Subject", "To", "From"} {
		first, _ := netmail.ReadMessage(bytes.NewReader(got[0].raw))
		again, _ := netmail.ReadMessage(bytes.NewReader(got[1].raw))
		if first.Header.Get(h) != again.Header.Get(h) {
			t.Errorf("%s: %q, then %q on the resend", h, first.Header.Get(h), again.Header.Get(h))
		}
		if h == "Message-Id" && first.Header.Get(h) != "<"+send.ID+"@facturo>" {
			t.Errorf("Message-ID %q", first.Header.Get(h))
		}
	}
}

func outcomesOf(h []events.Event) []events.Event {
	var out []events.Event
	for _, ev := range h {
		if strings.HasSuffix(ev.Type, ".email_delivered") || strings.HasSuffix(ev.Type, ".email_failed") {
			out = append(out, ev)
		}
	}
	return out
}

func types(evs []events.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// lastSend folds the document of send and returns its last_send view.
func lastSend(t *testing.T, e *env, send events.Event) invoicing.SendStatus {
	t.Helper()
	h := e.history(facturo.Tenant{OrgID: send.OrgID, Livemode: send.Livemode}, send.StreamID)
	var view any
	var err error
	switch {
	case invoicing.InvoiceKind.Has(send.StreamID):
		var d *invoicing.Invoice
		d, err = invoicing.FoldInvoice(h)
		view = d.View()
	case invoicing.ReceiptKind.Has(send.StreamID):
		var d *invoicing.Receipt
		d, err = invoicing.FoldReceipt(h)
		view = d.View()
	default:
		var d *invoicing.Retention
		d, err = invoicing.FoldRetention(h)
		view = d.View()
	}
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(view)
	var v struct {
		LastSend *invoicing.SendStatus `json:"last_send"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.LastSend == nil {
		t.Fatalf("last_send of %s: %s (%v)", send.StreamID, b, err)
	}
	return *v.LastSend
}

// messageFor is the received message whose Message-ID is the send's.
func (e *env) messageFor(t *testing.T, sendID string) *netmail.Message {
	t.Helper()
	for _, m := range e.smtp.messages() {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.raw))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("Message-Id") == "<"+sendID+"@facturo>" {
			return msg
		}
	}
	t.Fatalf("no message for %s", sendID)
	return nil
}

// checkMIME checks the structure of msg and that its attachment is pdf.
func checkMIME(t *testing.T, msg *netmail.Message, pdf []byte, filename string) {
	t.Helper()
	parts := readParts(t, msg.Header.Get("Content-Type"), msg.Body, "multipart/mixed")
	if len(parts) != 2 {
		t.Fatalf("multipart/mixed has %d parts", len(parts))
	}
	alt := readParts(t, parts[0].header.Get("Content-Type"), bytes.NewReader(parts[0].body), "multipart/alternative")
	if len(alt) != 2 || !strings.HasPrefix(alt[0].header.Get("Content-Type"), "text/plain") ||
		!strings.HasPrefix(alt[1].header.Get("Content-Type"), "text/html") {
		t.Fatalf("alternative parts %v", alt)
	}
	if html := decodePart(t, alt[1]); bytes.Contains(html, []byte("<SA>")) {
		t.Errorf("HTML body does not escape the client's name:\n%s", html)
	}
	att := parts[1]
	mt, params, err := mime.ParseMediaType(att.header.Get("Content-Disposition"))
	if err != nil || mt != "attachment" || params["filename"] != filename {
		t.Errorf("Content-Disposition %q", att.header.Get("Content-Disposition"))
	}
	if ct, _, _ := mime.ParseMediaType(att.header.Get("Content-Type")); ct != "application/pdf" {
		t.Errorf("attachment Content-Type %q", ct)
	}
	if got := decodePart(t, att); !bytes.Equal(got, pdf) {
		t.Errorf("attachment is not the PDF byte for byte:\n got %q\nwant %q", got, pdf)
	}
}

func readParts(t *testing.T, contentType string, body io.Reader, want string) []partH {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != want {
		t.Fatalf("Content-Type %q, want %s (%v)", contentType, want, err)
	}
	r := multipart.NewReader(body, params["boundary"])
	var out []partH
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, partH{header: netmail.Header(p.Header), body: b})
	}
}

type partH struct {
	header netmail.Header
	body   []byte
}

func decodePart(t *testing.T, p partH) []byte {
	t.Helper()
	switch strings.ToLower(p.header.Get("Content-Transfer-Encoding")) {
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return p.body
}

// A send the mailer first sees past MaxAge (it predates the mailer, or
// waited out an outage) is recorded as failed, never mailed out of the
// blue.
func TestStaleSendIsRecordedNotMailed(t *testing.T) {
	e := newEnv(t)
	send := e.sentInvoice(true, "ap@acme.example")
	time.Sleep(50 * time.Millisecond)
	e.mailer(e.ctx, func(m *mail.Mailer) { m.MaxAge = 10 * time.Millisecond })
	out := e.outcomes(send)
	if len(out) != 1 || out[0].Type != invoicing.InvoiceEmailFailed {
		t.Fatalf("outcomes %v", types(out))
	}
	if ls := lastSend(t, e, send); ls.Error == nil || !strings.Contains(*ls.Error, "older than 10ms") {
		t.Errorf("last_send %+v", ls)
	}
	if n := e.smtp.connections(); n != 0 {
		t.Errorf("%d SMTP connections", n)
	}
}

// A send event that no retry can mail (here: not in its stream) is
// terminated and logged; it never holds up the sends behind it.
func TestUnmailableSendDoesNotBlockTheOthers(t *testing.T) {
	e := newEnv(t)
	bogus := events.Event{ID: id.New(id.Event), OrgID: e.org, Livemode: true, StreamID: id.New(id.Invoice),
		StreamVersion: 3, Type: invoicing.InvoiceSent, SchemaVersion: 1, Data: []byte(`{"to":["a@b.mx"]}`), CreatedAt: time.Now().UTC()}
	raw, err := json.Marshal(bogus)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(e.ctx, events.Subject(bogus), raw); err != nil {
		t.Fatal(err)
	}
	e.mailer(e.ctx, func(m *mail.Mailer) { m.Concurrency = 1 }) // one message a fetch: the bogus one alone first
	send := e.sentInvoice(true, "ap@acme.example")
	if out := e.outcomes(send); out[0].Type != invoicing.InvoiceEmailDelivered {
		t.Fatalf("outcomes %v", types(out))
	}
	if n := len(e.smtp.messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
}
