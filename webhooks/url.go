package webhooks

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength bounds an endpoint URL, as stored and as sent.
const MaxURLLength = 2048

// ErrInvalidURL is returned (wrapped) by ValidateURL. When the host is a
// refused address, the error wraps ErrAddressNotAllowed as well.
var ErrInvalidURL = errors.New("webhooks: invalid endpoint URL")

// ValidateURL checks an endpoint URL when it is created or changed, so the
// user hears about a mistake at once rather than from failed deliveries:
// http or https only, a host, no credentials, a valid port, and a literal IP
// host (or "localhost") judged by the policy. Hostnames are judged again at
// every connection by the client of NewHTTPClient, after DNS resolution; this
// early check is a courtesy, not the defence.
func (p AddressPolicy) ValidateURL(raw string) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("%w: longer than %d characters", ErrInvalidURL, MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme must be http or https", ErrInvalidURL)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("%w: host required", ErrInvalidURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: credentials in the URL are not allowed", ErrInvalidURL)
	}
	if err := checkPort(u.Port()); err != nil {
		return nil, err
	}
	if err := p.checkHost(u.Hostname()); err != nil {
		return nil, err
	}
	return u, nil
}

func checkPort(port string) error {
	if port == "" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%w: port %q out of range", ErrInvalidURL, port)
	}
	return nil
}

func (p AddressPolicy) checkHost(host string) error {
	if host == "" {
		return fmt.Errorf("%w: host required", ErrInvalidURL)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := p.Check(ip); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidURL, err)
		}
		return nil
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if err := checkHostname(name); err != nil {
		return fmt.Errorf("%w: host %q: %w", ErrInvalidURL, host, err)
	}
	// RFC 6761: localhost names always resolve to loopback.
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if err := p.Check(netip.AddrFrom4([4]byte{127, 0, 0, 1})); err != nil {
			return fmt.Errorf("%w: host %q: %w", ErrInvalidURL, host, err)
		}
	}
	return nil
}

// checkHostname accepts DNS names of two labels or more (internationalised
// ones too: the HTTP client converts them). A numeric last label is refused: no top-level domain
// is numeric, and resolvers read forms like "2130706433" or "0x7f.1" as
// IPv4 addresses, which would slip past the literal-IP check.
func checkHostname(name string) error {
	if len(name) == 0 || len(name) > 253 {
		return errors.New("length must be 1 to 253")
	}
	labels := strings.Split(name, ".")
	if len(labels) == 1 && name != "localhost" {
		// A single label ("vm", "intranet") resolves through the search
		// domains of our own network: only internal names answer.
		return errors.New("a single-label host name is not allowed; use a fully qualified domain name")
	}
	for _, label := range labels {
		if len(label) == 0 || len(label) > 63 {
			return errors.New("empty or over-long label")
		}
		for _, r := range label {
			ok := r == '-' || r == '_' || r >= 0x80 ||
				(r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
			if !ok {
				return fmt.Errorf("character %q not allowed", r)
			}
		}
	}
	if looksNumeric(labels[len(labels)-1]) {
		return errors.New("numeric host that is not a valid IP address")
	}
	return nil
}

func looksNumeric(label string) bool {
	if strings.HasPrefix(label, "0x") {
		return true
	}
	for _, r := range label {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
