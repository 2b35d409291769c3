package e2e

import (
	"bytes"
	"net/mail"
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
	sendID := s.must(200, "GET", "/v1/invoices/"+iid+"/history", key, nil).list()
	var evID string
	for _, e := range sendID {
		if e["type"] == "invoice.sent" {
			evID = e["id"].(string)
		}
	}
	msg := s.mailed(t, "<"+evID+"@facturo>")
	if !bytes.Contains(msg, []byte("application/pdf")) || !strings.Contains(string(msg), "filename=\""+iid+".pdf\"") {
		t.Errorf("message without its PDF:\n%s", msg)
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
