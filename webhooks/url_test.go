package webhooks

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	tests := []struct {
		raw       string
		wantErr   bool
		forbidden bool // the error also wraps ErrAddressNotAllowed
	}{
		{raw: "https://example.com/webhooks"},
		{raw: "http://example.com:8080/hook?x=1"},
		{raw: "HTTPS://Example.COM/Hook"},
		{raw: "https://example.com./hook"},
		{raw: "https://bücher.example/hook"},
		{raw: "https://my_host.example.com/"},
		{raw: "https://8.8.8.8/hook"},
		{raw: "https://[2606:4700:4700::1111]:443/hook"},
		{raw: "https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/"))},

		{raw: "", wantErr: true},
		{raw: "example.com/hook", wantErr: true},
		{raw: "//example.com/hook", wantErr: true},
		{raw: "ftp://example.com/", wantErr: true},
		{raw: "file:///etc/passwd", wantErr: true},
		{raw: "gopher://example.com/", wantErr: true},
		{raw: "javascript:alert(1)", wantErr: true},
		{raw: "http:example.com", wantErr: true},
		{raw: "https://", wantErr: true},
		{raw: "https:///path", wantErr: true},
		{raw: "https://:443/", wantErr: true},
		{raw: "https://user:pass@example.com/", wantErr: true},
		{raw: "https://user@example.com/", wantErr: true},
		{raw: "https://example.com:0/", wantErr: true},
		{raw: "https://example.com:65536/", wantErr: true},
		{raw: "https://example.com:99999999999999999999/", wantErr: true},
		{raw: "https://exa mple.com/", wantErr: true},
		{raw: "https://example..com/", wantErr: true},
		{raw: "https://" + strings.Repeat("a", 64) + ".com/", wantErr: true},
		{raw: "https://example.com/" + strings.Repeat("a", MaxURLLength), wantErr: true},
		{raw: "https://vm/", wantErr: true},
		{raw: "https://vm./hook", wantErr: true},
		{raw: "http://intranet:8080/", wantErr: true},
		{raw: "https://2130706433/", wantErr: true},
		{raw: "https://0x7f000001/", wantErr: true},
		{raw: "https://0x7f.1/", wantErr: true},
		{raw: "https://127.1/", wantErr: true},
		{raw: "https://017.0.0.1/", wantErr: true},

		{raw: "http://127.0.0.1/", wantErr: true, forbidden: true},
		{raw: "http://127.0.0.1:8080/hook", wantErr: true, forbidden: true},
		{raw: "http://10.0.0.5/", wantErr: true, forbidden: true},
		{raw: "http://169.254.169.254/latest/meta-data/", wantErr: true, forbidden: true},
		{raw: "http://0.0.0.0/", wantErr: true, forbidden: true},
		{raw: "http://[::1]/", wantErr: true, forbidden: true},
		{raw: "http://[::ffff:127.0.0.1]/", wantErr: true, forbidden: true},
		{raw: "http://[fe80::1%25eth0]/", wantErr: true, forbidden: true},
		{raw: "http://[fd00::1]/", wantErr: true, forbidden: true},
		{raw: "http://localhost/", wantErr: true, forbidden: true},
		{raw: "http://LOCALHOST./", wantErr: true, forbidden: true},
		{raw: "http://api.localhost:3000/", wantErr: true, forbidden: true},
	}
	var p AddressPolicy
	for _, tt := range tests {
		name := tt.raw
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			u, err := p.ValidateURL(tt.raw)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("ValidateURL(%q) = %v, want ok", tt.raw, err)
				}
				if u == nil || u.Host == "" {
					t.Fatalf("ValidateURL(%q) returned %v", tt.raw, u)
				}
				return
			}
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("ValidateURL(%q) = %v, want ErrInvalidURL", tt.raw, err)
			}
			if got := errors.Is(err, ErrAddressNotAllowed); got != tt.forbidden {
				t.Fatalf("ValidateURL(%q) = %v: wraps ErrAddressNotAllowed = %v, want %v", tt.raw, err, got, tt.forbidden)
			}
		})
	}
}

func TestValidateURLAllowed(t *testing.T) {
	p := AddressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	for _, raw := range []string{"http://127.0.0.1:8080/hook", "http://localhost:3000/", "http://[::ffff:127.0.0.1]/"} {
		if _, err := p.ValidateURL(raw); err != nil {
			t.Errorf("ValidateURL(%q) with 127.0.0.0/8 allowed = %v", raw, err)
		}
	}
	if _, err := p.ValidateURL("http://10.0.0.1/"); !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("ValidateURL(10.0.0.1) = %v, want ErrAddressNotAllowed", err)
	}
}

// FuzzValidateURL checks that ValidateURL never panics, that every refusal is
// an ErrInvalidURL, and that what it accepts is an http(s) URL whose literal
// IP host, if any, passes the policy.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/webhooks",
		"http://127.0.0.1:8080/",
		"http://[::ffff:127.0.0.1]/",
		"http://[fe80::1%25eth0]:80/",
		"https://user:pass@example.com/",
		"https://0x7f.1/",
		"http://localhost./",
		"javascript:alert(1)",
		"https://bücher.example/",
		"http://%41/",
		"https://example.com:65536/",
		"",
	} {
		f.Add(s)
	}
	var p AddressPolicy
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.ValidateURL(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("ValidateURL(%q) = %v, not an ErrInvalidURL", raw, err)
			}
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("ValidateURL(%q) accepted scheme %q", raw, u.Scheme)
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("ValidateURL(%q) accepted %#v", raw, u)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			if err := p.Check(ip); err != nil {
				t.Fatalf("ValidateURL(%q) accepted refused address: %v", raw, err)
			}
		}
	})
}
