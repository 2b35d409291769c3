package webhooks

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestAddressPolicyCheck(t *testing.T) {
	tests := []struct {
		addr    string
		allowed bool
	}{
		// Public.
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"172.15.255.255", true},
		{"172.32.0.0", true},
		{"192.0.1.1", true},
		{"223.255.255.254", true},
		{"2606:4700:4700::1111", true},
		{"2a00:1450:4001:82f::200e", true},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8

		// IPv4 special ranges.
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"10.0.0.1", false},
		{"10.255.255.255", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"169.254.169.254", false},
		{"169.254.0.1", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.0.0.170", false},
		{"192.0.2.1", false},
		{"192.88.99.1", false},
		{"192.168.1.1", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},

		// IPv6 special ranges.
		{"::", false},
		{"::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"febf::1", false},
		{"fec0::1", false},
		{"fc00::1", false},
		{"fd12:3456:789a::1", false},
		{"ff02::1", false},
		{"ff05::2", false},
		{"2001:db8::1", false},
		{"3fff::1", false},
		{"2001::1", false}, // Teredo
		{"2001:2::1", false},
		{"100::1", false},
		{"64:ff9b:1::1", false},
		{"5f00::1", false},
		{"4000::1", false}, // outside 2000::/3
		{"::ffff:0:a00:1", false},

		// IPv4 special ranges in IPv6 clothing.
		{"::ffff:127.0.0.1", false},
		{"::ffff:7f00:1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:0.0.0.0", false},
		{"::127.0.0.1", false},
		{"::10.0.0.1", false},
		{"::8.8.8.8", false}, // IPv4-compatible is deprecated altogether
		{"64:ff9b::127.0.0.1", false},
		{"64:ff9b::a9fe:a9fe", false},
		{"2002:7f00:1::", false},
		{"2002:a9fe:a9fe::1", false},
		{"2002:c0a8:101::1", false},
	}
	var p AddressPolicy
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := p.Check(netip.MustParseAddr(tt.addr))
			if tt.allowed && err != nil {
				t.Fatalf("Check(%s) = %v, want allowed", tt.addr, err)
			}
			if !tt.allowed && !errors.Is(err, ErrAddressNotAllowed) {
				t.Fatalf("Check(%s) = %v, want ErrAddressNotAllowed", tt.addr, err)
			}
		})
	}
}

func TestAddressPolicyCheckInvalid(t *testing.T) {
	if err := (AddressPolicy{}).Check(netip.Addr{}); !errors.Is(err, ErrAddressNotAllowed) {
		t.Fatalf("Check(zero Addr) = %v, want ErrAddressNotAllowed", err)
	}
}

func TestAddressPolicyCheckReason(t *testing.T) {
	err := AddressPolicy{}.Check(netip.MustParseAddr("::ffff:169.254.169.254"))
	if err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Fatalf("Check = %v, want a reason naming link-local", err)
	}
	err = AddressPolicy{}.Check(netip.MustParseAddr("64:ff9b::7f00:1"))
	if err == nil || !strings.Contains(err.Error(), "loopback (as NAT64)") {
		t.Fatalf("Check = %v, want a reason naming loopback via NAT64", err)
	}
}

func TestAddressPolicyAllow(t *testing.T) {
	allow, err := ParseAllowNets("127.0.0.0/8, 10.1.2.3, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	p := AddressPolicy{Allow: allow}
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"64:ff9b::127.0.0.1", true},
		{"10.1.2.3", true},
		{"10.1.2.4", false},
		{"fd00::1", true},
		{"fc00::1", false},
		{"::1", false}, // allowing 127/8 does not allow IPv6 loopback
		{"169.254.169.254", false},
		{"8.8.8.8", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := p.Check(netip.MustParseAddr(tt.addr))
			if got := err == nil; got != tt.allowed {
				t.Fatalf("Check(%s) = %v, want allowed=%v", tt.addr, err, tt.allowed)
			}
		})
	}
}

func TestParseAllowNets(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string // the bad entry, which the error must name
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "127.0.0.0/8", want: []string{"127.0.0.0/8"}},
		{in: "10.1.2.3", want: []string{"10.1.2.3/32"}},
		{in: "fd00::1", want: []string{"fd00::1/128"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{in: "::ffff:10.0.0.0/104", want: []string{"10.0.0.0/8"}},
		{in: "::ffff:10.0.0.1", want: []string{"10.0.0.1/32"}},
		{in: "127.0.0.0/8,192.168.0.0/16,", want: []string{"127.0.0.0/8", "192.168.0.0/16"}},
		{in: "127.0.0.0/8,nope", wantErr: "nope"},
		{in: "10.0.0.0/33", wantErr: "10.0.0.0/33"},
		{in: "10.0.0", wantErr: "10.0.0"},
		{in: "fe80::1%eth0", wantErr: "fe80::1%eth0"},
		{in: "localhost", wantErr: "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAllowNets(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), `"`+tt.wantErr+`"`) {
					t.Fatalf("ParseAllowNets(%q) error = %v, want one naming %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAllowNets(%q): %v", tt.in, err)
			}
			var gotS []string
			for _, p := range got {
				gotS = append(gotS, p.String())
			}
			if strings.Join(gotS, " ") != strings.Join(tt.want, " ") {
				t.Errorf("ParseAllowNets(%q) = %v, want %v", tt.in, gotS, tt.want)
			}
		})
	}
}
