package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

// What a send ends in shows on the document: last_send goes from pending
// to delivered (the message is at the SMTP server, with its PDF and a
// Message-ID from the send event) or to failed with the SMTP answer; test
// mode is skipped and sends nothing. Bad sends are refused and record
// nothing.
func TestSendsEndInLastSend(t *testing.T) {
	s := startSystem(t)
	tk := s.newTenant("mailer@example.com")
	key := tk.live
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	iid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "", item(product("100.00", false), "1"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+iid+"/issue", key, nil)
	sent := s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, nil)
	if st := sent.Body["last_send"].(map[string]any)["status"]; st != "pending" {
		t.Errorf("answer of send: last_send.status %v", st)
	}
	ls := s.lastSendBecomes(t, key, "/v1/invoices/"+iid, "delivered")
	if ls["error"] != nil || ls["to"].([]any)[0] != "billing@acme.example" {
		t.Errorf("last_send %v", ls)
	}
	history := s.must(200, "GET", "/v1/invoices/"+iid+"/history", key, nil).list()
	var evID, sentAt string
	for _, e := range history {
		if e["type"] == "invoice.sent" {
			evID, sentAt = e["id"].(string), e["created_at"].(string)
		}
	}
	msg := s.mailed(t, "<"+evID+"@facturo>")
	// The attachment is the invoice's PDF as it was when it was sent: the
	// bytes GET .../pdf?as_of= that moment serves.
	number := s.must(200, "GET", "/v1/invoices/"+iid, key, nil).str("number")
	// In the organization's document language (Spanish by default), from
	// the organization.
	if m, err := mail.ReadMessage(bytes.NewReader(msg)); err != nil {
		t.Error(err)
	} else if got := m.Header.Get("Subject"); got != "Factura "+number+" de Org of mailer@example.com" {
		t.Errorf("subject %q", got)
	}
	name, attached := pdfAttachment(t, msg)
	served := s.must(200, "GET", "/v1/invoices/"+iid+"/pdf?as_of="+url.QueryEscape(sentAt), key, nil, "Accept", "application/pdf")
	if name != number+".pdf" || !bytes.Equal(attached, served.Raw) || !bytes.HasPrefix(attached, []byte("%PDF-")) {
		t.Errorf("attachment %q (%d bytes), want %s.pdf equal to the served PDF (%d bytes)", name, len(attached), number, len(served.Raw))
	}

	s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, map[string]any{"to": bounce})
	ls = s.lastSendBecomes(t, key, "/v1/invoices/"+iid, "failed")
	if e, _ := ls["error"].(string); !strings.Contains(e, "550") || !strings.Contains(e, "No such user here") {
		t.Errorf("last_send.error %q", e)
	}

	rid := s.must(201, "POST", "/v1/receipts", key, receiptBody("116.00", "1")).str("id")
	before := len(s.must(200, "GET", "/v1/receipts/"+rid+"/history", key, nil).list())
	if r := s.must(400, "POST", "/v1/receipts/"+rid+"/send", key, map[string]any{}); r.str("error", "code") != "parameter_missing" || r.str("error", "param") != "to" {
		t.Errorf("receipt send without to: %s", r.Raw)
	}
	if r := s.must(400, "POST", "/v1/receipts/"+rid+"/send", key, map[string]any{"to": []string{"a@b.mx", "not-an-address"}}); r.str("error", "param") != "to[1]" {
		t.Errorf("receipt send to a bad address: %s", r.Raw)
	}
	s.must(200, "POST", "/v1/receipts/"+rid+"/cancel", key, nil)
	s.must(409, "POST", "/v1/receipts/"+rid+"/send", key, map[string]any{"to": "a@b.mx"})
	if after := len(s.must(200, "GET", "/v1/receipts/"+rid+"/history", key, nil).list()); after != before+1 {
		t.Errorf("refused sends recorded events: %d, then %d (the cancel only)", before, after)
	}

	n := len(s.mailbox.messages())
	tcid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	tiid := s.must(201, "POST", "/v1/invoices", tk.test, invoiceBody(tcid, "", item(product("5.00", false), "1"))).str("id")
	s.must(200, "POST", "/v1/invoices/"+tiid+"/issue", tk.test, nil)
	ls = s.must(200, "POST", "/v1/invoices/"+tiid+"/send", tk.test, nil).Body["last_send"].(map[string]any)
	if ls["status"] != "skipped" || ls["reason"] != "test_mode" {
		t.Errorf("test mode last_send %v", ls)
	}
	// A live send after the test one: once it is delivered, the test one
	// has had every chance to be mailed too.
	s.must(200, "POST", "/v1/invoices/"+iid+"/send", key, nil)
	s.lastSendBecomes(t, key, "/v1/invoices/"+iid, "delivered")
	if got := len(s.mailbox.messages()); got != n+1 {
		t.Errorf("%d messages after a test and a live send, want %d", got, n+1)
	}
}

// lastSendBecomes waits until the object's last_send has status.
func (s *system) lastSendBecomes(t *testing.T, key, path, status string) map[string]any {
	t.Helper()
	var ls map[string]any
	eventually(t, path+" last_send "+status, func() bool {
		ls, _ = s.must(200, "GET", path, key, nil).Body["last_send"].(map[string]any)
		return ls != nil && ls["status"] == status
	})
	return ls
}

// mailed is the raw message the SMTP server got with that Message-ID.
func (s *system) mailed(t *testing.T, messageID string) []byte {
	t.Helper()
	for _, raw := range s.mailbox.messages() {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err == nil && m.Header.Get("Message-Id") == messageID {
			return raw
		}
	}
	t.Fatalf("no message %s", messageID)
	return nil
}

// pdfAttachment returns the file name and bytes of a message's
// application/pdf part.
func pdfAttachment(t *testing.T, raw []byte) (string, []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(h textproto.MIMEHeader, body io.Reader) (string, []byte)
	walk = func(h textproto.MIMEHeader, body io.Reader) (string, []byte) {
		media, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(media, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if err == io.EOF {
					return "", nil
				}
				if err != nil {
					t.Fatal(err)
				}
				if name, b := walk(part.Header, part); b != nil {
					return name, b
				}
			}
		}
		if media != "application/pdf" {
			return "", nil
		}
		var r io.Reader = body
		if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		_, dp, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		return dp["filename"], b
	}
	name, b := walk(textproto.MIMEHeader(msg.Header), msg.Body)
	if b == nil {
		t.Fatalf("no application/pdf part in:\n%.2000s", raw)
	}
	return name, b
}
