package delivery

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/facturo/facturo/webhooks"
)

// The delivery log is the tenant's: resolver errors must not tell which
// internal names exist or where our DNS servers are.
func TestTransportErrorHidesResolverDetails(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "vm.", Server: "10.1.2.3:53", IsNotFound: true}
	cases := []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "dial", Net: "tcp", Err: dns}, "could not resolve host"},
		{fmt.Errorf("Post %q: %w", "http://vm./", dns), "could not resolve host"},
		{fmt.Errorf("post: %w", fmt.Errorf("%w: host %q: single label", webhooks.ErrInvalidURL, "vm")), "destination host not allowed"},
		{fmt.Errorf("post: %w", webhooks.ErrAddressNotAllowed), "destination address not allowed"},
	}
	for _, c := range cases {
		got := transportError(c.err)
		if got != c.want {
			t.Errorf("transportError(%v) = %q, want %q", c.err, got, c.want)
		}
		if strings.Contains(got, "10.1.2.3") || strings.Contains(got, "vm") {
			t.Errorf("transportError(%v) = %q leaks resolver details", c.err, got)
		}
	}
}
