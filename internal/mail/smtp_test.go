package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// tlsServer is a real SMTP server that offers TLS (STARTTLS, or from the
// first byte) and AUTH PLAIN, and records how each message came in.
type tlsServer struct {
	mu   sync.Mutex
	got  []string // "user tls=true" per message
	port int
}

type tlsSession struct {
	s    *tlsServer
	conn *smtp.Conn
	user string
}

func (x *tlsSession) Reset()                               {}
func (x *tlsSession) Logout() error                        { return nil }
func (x *tlsSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *tlsSession) AuthMechanisms() []string             { return []string{sasl.Plain} }
func (x *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "ana" || pass != "s@cret" {
			return errors.New("bad credentials")
		}
		x.user = user
		return nil
	}), nil
}
func (x *tlsSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	_, tlsOn := x.conn.TLSConnectionState()
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if !tlsOn {
		x.s.got = append(x.s.got, x.user+" tls=false")
	} else {
		x.s.got = append(x.s.got, x.user+" tls=true")
	}
	return nil
}

// startTLSServer serves SMTP with cert: STARTTLS offered unless implicit,
// in which case TLS starts with the connection. withTLS false offers no
// TLS at all.
func startTLSServer(t *testing.T, cert tls.Certificate, implicit, withTLS bool) *tlsServer {
	t.Helper()
	s := &tlsServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &tlsSession{s: s, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	if implicit {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// The default, smtp://: the connection is upgraded with STARTTLS before
// the credentials go; smtps:// speaks TLS from the first byte; and a
// server that offers no STARTTLS gets neither credentials nor message
// (no silent fall back to plain text).
func TestSMTPSecuresTheConnection(t *testing.T) {
	cert, roots := selfSigned(t)
	msg, err := Compose("billing@facturo.test", Letter{MessageID: MessageID("evt_1"), Date: time.Unix(0, 0),
		To: []string{"ap@acme.example"}, Title: "Invoice A-1", Filename: "a.pdf", PDF: []byte("%PDF")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		url      string
		implicit bool
	}{
		{"starttls", "smtp://ana:s%40cret@localhost:PORT", false},
		{"implicit", "smtps://ana:s%40cret@localhost:PORT", true},
	} {
		srv := startTLSServer(t, cert, tc.implicit, true)
		c, err := ParseURL(replacePort(tc.url, srv.port))
		if err != nil {
			t.Fatal(err)
		}
		if err := (SMTP{Config: c, TLS: &tls.Config{RootCAs: roots, ServerName: "localhost"}, Timeout: 5 * time.Second}).Send(ctx, msg); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := srv.messages(); len(got) != 1 || got[0] != "ana tls=true" {
			t.Errorf("%s: server saw %v", tc.name, got)
		}
	}
	plain := startTLSServer(t, cert, false, false)
	c, _ := ParseURL(replacePort("smtp://ana:s%40cret@localhost:PORT", plain.port))
	err = SMTP{Config: c, TLS: &tls.Config{RootCAs: roots, ServerName: "localhost"}, Timeout: 5 * time.Second}.Send(ctx, msg)
	var a *Answer
	if !errors.As(err, &a) || a.Permanent() || len(plain.messages()) != 0 {
		t.Errorf("a server without STARTTLS: err %v, got %v", err, plain.messages())
	}
}

func replacePort(url string, port int) string {
	return strings.Replace(url, "PORT", strconv.Itoa(port), 1)
}

func (s *tlsServer) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.got...)
}

// selfSigned is a certificate for localhost and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
