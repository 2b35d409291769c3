package webhooks

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrAddressNotAllowed is returned (wrapped) for a destination address that
// webhooks may not reach: anything that is not a public unicast address.
var ErrAddressNotAllowed = errors.New("webhooks: destination address not allowed")

// AddressPolicy decides which IP addresses webhook deliveries may connect
// to. The zero value refuses every non-public address; Allow re-opens chosen
// prefixes (FACTURO_WEBHOOK_ALLOW_NETS), e.g. 127.0.0.0/8 in development or
// a partner's private link.
type AddressPolicy struct {
	Allow []netip.Prefix
}

type namedPrefix struct {
	prefix netip.Prefix
	reason string
}

// blockedV4 lists the IPv4 ranges that are not public unicast (IANA IPv4
// Special-Purpose Address Registry, keeping the entries that are not
// "globally reachable"). Order matters only for the reason reported.
var blockedV4 = []namedPrefix{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (\"this network\")"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
}

// blockedV6 lists IPv6 ranges refused outright. Forms that embed an IPv4
// address are handled by embeddedIPv4, and everything outside 2000::/3 is
// refused afterwards as reserved.
var blockedV6 = []namedPrefix{
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (Teredo, benchmarking, ORCHID)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "SRv6 segment identifiers"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	globalUnicastV6 = netip.MustParsePrefix("2000::/3")
	ipv4Compatible  = netip.MustParsePrefix("::/96")
	nat64WellKnown  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour       = netip.MustParsePrefix("2002::/16")
)

// Check returns nil if ip may be connected to, or an error wrapping
// ErrAddressNotAllowed that names the kind of range it lies in. IPv6 forms
// that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
// NAT64 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::) are judged by that IPv4
// address, so ::ffff:127.0.0.1 is loopback.
func (p AddressPolicy) Check(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrAddressNotAllowed)
	}
	if reason := p.refusal(ip.WithZone("")); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrAddressNotAllowed, ip, reason)
	}
	return nil
}

// refusal returns why ip is refused, or "" if it may be reached.
func (p AddressPolicy) refusal(ip netip.Addr) string {
	ip = ip.Unmap()
	if p.allows(ip) {
		return ""
	}
	if ip.Is4() {
		return lookup(blockedV4, ip)
	}
	if reason := lookup(blockedV6, ip); reason != "" {
		return reason
	}
	if v4, form, ok := embeddedIPv4(ip); ok {
		if reason := p.refusal(v4); reason != "" {
			return reason + " (as " + form + ")"
		}
		if form == "IPv4-compatible" {
			// Deprecated since 2006; nothing legitimate uses it.
			return "IPv4-compatible (deprecated)"
		}
		return ""
	}
	if !globalUnicastV6.Contains(ip) {
		return "reserved"
	}
	return ""
}

func (p AddressPolicy) allows(ip netip.Addr) bool {
	for _, pre := range p.Allow {
		if pre.Contains(ip) {
			return true
		}
	}
	return false
}

func lookup(table []namedPrefix, ip netip.Addr) string {
	for _, e := range table {
		if e.prefix.Contains(ip) {
			return e.reason
		}
	}
	return ""
}

// embeddedIPv4 extracts the IPv4 address carried by an IPv6 address in one
// of the translation or tunnelling forms, and names the form.
func embeddedIPv4(ip netip.Addr) (netip.Addr, string, bool) {
	b := ip.As16()
	switch {
	case nat64WellKnown.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "NAT64", true
	case ipv4Compatible.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), "IPv4-compatible", true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), "6to4", true
	}
	return netip.Addr{}, "", false
}

// ParseAllowNets parses FACTURO_WEBHOOK_ALLOW_NETS: comma-separated CIDR
// prefixes or single addresses, such as "127.0.0.0/8, 10.1.2.3, fd00::/8".
// Empty entries are ignored; the empty string allows nothing extra.
func ParseAllowNets(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		pre, err := parseAllowEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("webhooks: allowed network %q: %w", entry, err)
		}
		out = append(out, pre)
	}
	return out, nil
}

func parseAllowEntry(entry string) (netip.Prefix, error) {
	if strings.Contains(entry, "%") {
		return netip.Prefix{}, errors.New("zones are not supported")
	}
	if !strings.Contains(entry, "/") {
		addr, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, errors.New("not an IP address or CIDR prefix")
		}
		addr = addr.Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	pre, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR prefix")
	}
	// Check unmaps addresses before matching, so a mapped prefix must be
	// unmapped too or it would never match.
	if a := pre.Addr(); a.Is4In6() && pre.Bits() >= 96 {
		pre = netip.PrefixFrom(a.Unmap(), pre.Bits()-96)
	}
	return pre.Masked(), nil
}
