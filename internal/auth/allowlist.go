package auth

import (
	"net/netip"
	"strings"

	"github.com/facturo/facturo"
)

// Allowlist restricts a key to client addresses. The zero value (and the
// list parsed from no entries) allows every address.
type Allowlist struct {
	prefixes []netip.Prefix
}

// ParseAllowlist accepts IPv4 and IPv6 addresses and CIDR prefixes. IPv4
// addresses written as IPv4-mapped IPv6 ("::ffff:203.0.113.7") are stored as
// IPv4, since Allows sees them that way too. An entry it cannot use is an
// invalid_request error on param "ip_allowlist" naming the entry; a prefix
// with host bits set is refused with the corrected form, because
// "10.0.0.1/8" is more likely a typo than a wish to allow all of 10/8.
func ParseAllowlist(entries []string) (Allowlist, error) {
	var a Allowlist
	for _, e := range entries {
		p, msg := parseAllowEntry(e)
		if msg != "" {
			return Allowlist{}, facturo.ParamError(facturo.CodeParameterInvalid, "ip_allowlist",
				"Invalid IP allowlist entry '%s': %s.", truncate(e, 64), msg)
		}
		if !containsPrefix(a.prefixes, p) {
			a.prefixes = append(a.prefixes, p)
		}
	}
	return a, nil
}

// parseAllowEntry returns the normalised prefix of one entry, or a message
// saying what is wrong with it.
func parseAllowEntry(e string) (netip.Prefix, string) {
	if !strings.Contains(e, "/") {
		addr, err := netip.ParseAddr(e)
		if err != nil || addr.Zone() != "" {
			return netip.Prefix{}, "not an IP address or CIDR prefix"
		}
		addr = addr.Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), ""
	}
	p, err := netip.ParsePrefix(e)
	if err != nil {
		return netip.Prefix{}, "not an IP address or CIDR prefix"
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, "an IPv4-mapped prefix must be /96 or longer"
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, "host bits are set; did you mean '" + m.String() + "'?"
	}
	return p, ""
}

func containsPrefix(list []netip.Prefix, p netip.Prefix) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

// Allows reports whether addr may use the key. IPv4-mapped IPv6 addresses
// (what a dual-stack listener reports for IPv4 clients) match IPv4 entries.
func (a Allowlist) Allows(addr netip.Addr) bool {
	if len(a.prefixes) == 0 {
		return true
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range a.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Strings returns the normalised entries, for storage and for the API.
// A single address is written without its /32 or /128.
func (a Allowlist) Strings() []string {
	list := make([]string, len(a.prefixes))
	for i, p := range a.prefixes {
		if p.IsSingleIP() {
			list[i] = p.Addr().String()
		} else {
			list[i] = p.String()
		}
	}
	return list
}
