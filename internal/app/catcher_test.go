package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/facturo/facturo/internal/mail"
)

// make run without FACTURO_SMTP_URL: the mailer's configuration points at
// a catcher on loopback, and a message sent over SMTP lands, whole, as an
// .eml file under <data dir>/mail.
func TestAllInOneCatchesMail(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := Config{DataDir: t.TempDir()}
	if err := startCatcher(ctx, &c, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !c.Mail.Configured() || c.Mail.Host != "127.0.0.1" || c.Mail.TLS != mail.NoTLS {
		t.Fatalf("mail config %+v", c.Mail)
	}
	pdf := []byte("%PDF-1.7\nnot really\n")
	msg, err := mail.Compose(c.Mail.From, mail.Letter{MessageID: mail.MessageID("evt_1"), Date: time.Unix(0, 0),
		To: []string{"ap@acme.example"}, Title: "Invoice A-1", Total: "1.00", Currency: "MXN", Filename: "a.pdf", PDF: pdf})
	if err != nil {
		t.Fatal(err)
	}
	if err := (mail.SMTP{Config: c.Mail, Timeout: 5 * time.Second}).Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(c.DataDir, "mail", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Message-ID: <evt_1@facturo>", "Subject: Invoice A-1", "Content-Type: application/pdf"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("%s lacks %q:\n%s", files[0], want, raw)
		}
	}
}
