package webhooks

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

func newLoopbackServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

var allowLoopback = AddressPolicy{Allow: []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}}

func TestHTTPClientRefusesLoopbackByDefault(t *testing.T) {
	var hits atomic.Int32
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })

	resp, err := NewHTTPClient(AddressPolicy{}, time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		t.Fatal("POST to 127.0.0.1 succeeded, want refusal")
	}
	if !errors.Is(err, ErrAddressNotAllowed) {
		t.Fatalf("POST error = %v, want ErrAddressNotAllowed", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server saw %d requests, want 0", n)
	}
}

func TestHTTPClientReachesAllowedLoopback(t *testing.T) {
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
		_, _ = w.Write(body)
	})
	resp, err := NewHTTPClient(allowLoopback, time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("POST with 127.0.0.0/8 allowed: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status = %d, want 204", resp.StatusCode)
	}
}

// A hostname is judged by the addresses it resolves to, at connect time:
// "localhost" resolves to loopback, which the default policy refuses even
// though the URL names no IP.
func TestHTTPClientChecksResolvedAddresses(t *testing.T) {
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) {})
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	resp, err := NewHTTPClient(AddressPolicy{}, time.Second).Get(byName)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET %s succeeded, want refusal at dial", byName)
	}
	if !errors.Is(err, ErrAddressNotAllowed) {
		t.Fatalf("GET %s error = %v, want ErrAddressNotAllowed", byName, err)
	}

	resp, err = NewHTTPClient(allowLoopback, time.Second).Get(byName)
	if err != nil {
		t.Fatalf("GET %s with loopback allowed: %v", byName, err)
	}
	resp.Body.Close()
}

func TestHTTPClientDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
	srv := newLoopbackServer(t, mux.ServeHTTP)

	resp, err := NewHTTPClient(allowLoopback, time.Second).Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want the 302 itself", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/elsewhere" {
		t.Errorf("Location = %q, want /elsewhere", loc)
	}
	if followed.Load() {
		t.Fatal("the redirect was followed")
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newLoopbackServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release) // before srv.Close, which waits for the handler

	start := time.Now()
	resp, err := NewHTTPClient(allowLoopback, 200*time.Millisecond).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("GET succeeded, want timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timed out after %s, want about 200ms", d)
	}
}

func TestNewHTTPClientDefaults(t *testing.T) {
	c := NewHTTPClient(AddressPolicy{}, 0)
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %s, want %s", c.Timeout, DefaultTimeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T, want *http.Transport", c.Transport)
	}
	if tr.Proxy != nil {
		t.Error("Transport.Proxy is set; a proxy would connect unchecked")
	}
}

func TestReadLimited(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		n             int64
		want          string
		wantTruncated bool
	}{
		{"empty", "", 10, "", false},
		{"short", "abc", 10, "abc", false},
		{"exact", "abcdefghij", 10, "abcdefghij", false},
		{"one over", "abcdefghijk", 10, "abcdefghij", true},
		{"far over", strings.Repeat("x", 100<<10), MaxResponseBody, strings.Repeat("x", MaxResponseBody), true},
		{"zero limit", "a", 0, "", true},
		{"negative limit", "a", -5, "", true},
		{"max limit", "abc", 1<<63 - 1, "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated, err := ReadLimited(strings.NewReader(tt.in), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want || truncated != tt.wantTruncated {
				t.Errorf("ReadLimited = %d bytes, truncated=%v; want %d bytes, truncated=%v",
					len(got), truncated, len(tt.want), tt.wantTruncated)
			}
		})
	}
}

func TestReadLimitedError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom))
	got, truncated, err := ReadLimited(r, 10)
	if !errors.Is(err, boom) || string(got) != "abc" || truncated {
		t.Fatalf("ReadLimited = %q, %v, %v; want \"abc\", false, boom", got, truncated, err)
	}
}

// A single-label name is refused before the resolver is asked, so neither
// a stored URL from before the rule nor a probe of internal names reaches
// our DNS.
func TestHTTPClientRefusesSingleLabelHostsBeforeResolving(t *testing.T) {
	c := NewHTTPClient(AddressPolicy{}, time.Second)
	_, err := c.Get("http://vm/hook")
	if !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("got %v, want ErrInvalidURL", err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		t.Fatalf("the name was resolved: %v", err)
	}
}
