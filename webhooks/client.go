package webhooks

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

const (
	// DefaultTimeout bounds one delivery attempt, connection to last byte
	// (the specification recommends 15 to 30 s).
	DefaultTimeout = 15 * time.Second

	// MaxResponseBody is how much of a receiver's answer we keep for the
	// delivery log; receivers have nothing to tell us beyond a status.
	MaxResponseBody = 20 << 10
)

// NewHTTPClient returns the client for webhook deliveries. Every connection
// is checked against p in net.Dialer.Control, that is after DNS resolution
// and for each address tried, so neither a hostname pointing at an internal
// address nor DNS rebinding between validation and delivery gets through.
// It uses no proxy (a proxy would connect on our behalf, unchecked) and
// never follows redirects: the 3xx itself is returned, and counts as a
// failed delivery. A timeout <= 0 means DefaultTimeout.
func NewHTTPClient(p AddressPolicy, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Control:   p.dialControl,
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           p.dialContext(dialer),
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		// The deliverer bounds the attempts in flight per endpoint and per
		// process; a bound per host would let one endpoint's slow attempts
		// hold the connections that other endpoints on the same host (other
		// tenants of one receiving service) need.
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    32,
		MaxConnsPerHost:        0,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dialContext checks a host name before it is resolved: the resolver is
// never asked about a name that ValidateURL would refuse (single-label
// names resolve through our own search domains), whatever was stored.
func (p AddressPolicy) dialContext(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, fmt.Errorf("%w: unparsable address %q", ErrAddressNotAllowed, address)
		}
		if _, err := netip.ParseAddr(host); err != nil {
			if err := p.checkHost(host); err != nil {
				return nil, err
			}
		}
		return d.DialContext(ctx, network, address)
	}
}

// dialControl runs after name resolution, just before connect(2), with the
// numeric address actually dialled.
func (p AddressPolicy) dialControl(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: network %q", ErrAddressNotAllowed, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrAddressNotAllowed, address)
	}
	return p.Check(ap.Addr())
}

// ReadLimited reads at most n bytes of r and reports whether r had more.
// It does not drain r: closing a truncated response body drops the
// connection instead of reading an unbounded answer.
func ReadLimited(r io.Reader, n int64) ([]byte, bool, error) {
	n = max(n, 0)
	limit := n
	if limit < math.MaxInt64 {
		limit++ // one byte more tells truncation apart from an exact fit
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if int64(len(b)) > n {
		return b[:n], true, err
	}
	return b, false, err
}
