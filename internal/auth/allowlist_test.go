package auth

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/facturo/facturo"
)

func TestParseAllowlist(t *testing.T) {
	tests := []struct {
		in   []string
		want []string // nil: an error naming the entry in bad
		bad  string
	}{
		{in: nil, want: []string{}},
		{in: []string{"203.0.113.7"}, want: []string{"203.0.113.7"}},
		{in: []string{"203.0.113.0/24", "2001:db8::/32"}, want: []string{"203.0.113.0/24", "2001:db8::/32"}},
		{in: []string{"203.0.113.7/32"}, want: []string{"203.0.113.7"}},
		{in: []string{"2001:db8::1"}, want: []string{"2001:db8::1"}},
		{in: []string{"::ffff:203.0.113.7"}, want: []string{"203.0.113.7"}},
		{in: []string{"::ffff:203.0.113.0/120"}, want: []string{"203.0.113.0/24"}},
		{in: []string{"10.0.0.1", "10.0.0.1/32"}, want: []string{"10.0.0.1"}},
		{in: []string{"10.0.0.1", "10.0.0.1/8"}, bad: "10.0.0.1/8"},
		{in: []string{"300.0.0.1"}, bad: "300.0.0.1"},
		{in: []string{"example.com"}, bad: "example.com"},
		{in: []string{"10.0.0.0/33"}, bad: "10.0.0.0/33"},
		{in: []string{" 10.0.0.1"}, bad: " 10.0.0.1"},
		{in: []string{"fe80::1%eth0"}, bad: "fe80::1%eth0"},
		{in: []string{"::ffff:0:0/90"}, bad: "::ffff:0:0/90"},
		{in: []string{""}, bad: ""},
	}
	for _, tt := range tests {
		got, err := ParseAllowlist(tt.in)
		if tt.want == nil {
			var e *facturo.Error
			if !errors.As(err, &e) || e.Code != facturo.CodeParameterInvalid {
				t.Errorf("ParseAllowlist(%q) err = %v, want %s", tt.in, err, facturo.CodeParameterInvalid)
				continue
			}
			if e.Param != "ip_allowlist" || !strings.Contains(e.Message, "'"+tt.bad+"'") {
				t.Errorf("ParseAllowlist(%q) = %+v, want param ip_allowlist naming %q", tt.in, e, tt.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAllowlist(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got.Strings(), tt.want) {
			t.Errorf("ParseAllowlist(%q) = %q, want %q", tt.in, got.Strings(), tt.want)
		}
	}
}

func TestAllowlistAllows(t *testing.T) {
	list, err := ParseAllowlist([]string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.9"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"203.0.113.200", true},
		{"::ffff:203.0.113.200", true}, // IPv4 client on a dual-stack listener
		{"198.51.100.9", true},
		{"198.51.100.10", false},
		{"2001:db8:1::5", true},
		{"2001:db9::5", false},
		{"::203.0.113.1", false}, // IPv4-compatible, not mapped: a different address
	}
	for _, tt := range tests {
		if got := list.Allows(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if list.Allows(netip.Addr{}) {
		t.Error("a non-empty list allows the invalid address")
	}
	var empty Allowlist
	if !empty.Allows(netip.MustParseAddr("192.0.2.1")) {
		t.Error("the empty list refuses an address")
	}
}
