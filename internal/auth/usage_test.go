package auth

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type fakeUsageStore struct {
	usesErr, touchErr error
	uses              []KeyUse
	fails             []AuthFailure
}

func (f *fakeUsageStore) TouchKeys(context.Context, map[string]time.Time) error { return f.touchErr }
func (f *fakeUsageStore) RecordUses(_ context.Context, u []KeyUse, _ int) error {
	if f.usesErr != nil {
		return f.usesErr
	}
	f.uses = append(f.uses, u...)
	return nil
}
func (f *fakeUsageStore) RecordFailures(_ context.Context, a []AuthFailure) error {
	f.fails = append(f.fails, a...)
	return nil
}
func (f *fakeUsageStore) TrimAudit(context.Context, time.Time) error { return nil }

// Activity, last use and failures are written independently: a failing
// write of one never keeps the others from being written.
func TestFlushWritesFailuresDespiteActivityError(t *testing.T) {
	store := &fakeUsageStore{usesErr: errors.New("activity down"), touchErr: errors.New("keys down")}
	b := &UsageBatcher{Keys: store, Activity: store}
	ip := netip.MustParseAddr("192.0.2.1")
	b.Used(context.Background(), "key_1", ip, "GET", "/v1/clients", 200, time.Now())
	b.Failed(context.Background(), ip, "", "invalid_api_key", "req_1", time.Now())
	err := b.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "activity down") || !strings.Contains(err.Error(), "keys down") {
		t.Fatalf("Flush = %v, want both errors reported", err)
	}
	if len(store.fails) != 1 {
		t.Fatalf("failures written: %d, want 1", len(store.fails))
	}
	// Refused rows are the store's to report, not a failed flush.
	store.usesErr, store.touchErr = &RejectedRowsError{Rows: 1, Err: errors.New("bad row")}, nil
	b.Used(context.Background(), "key_1", ip, "GET", "/v1/clients", 200, time.Now())
	if err := b.Flush(context.Background()); err != nil {
		t.Fatalf("Flush with a refused row = %v, want nil", err)
	}
}

func TestUsageTextIsCleaned(t *testing.T) {
	b := &UsageBatcher{}
	ip := netip.MustParseAddr("192.0.2.1")
	long := "/v1/" + strings.Repeat("é", MaxUsagePath)
	for _, path := range []string{"/v1/\x00", "/v1/\xff\xfe", long} {
		b.Used(context.Background(), "key_1", ip, "GET\x00", path, 404, time.Now())
	}
	b.Failed(context.Background(), ip, "fact_\xff", "code\x00", "req_\x00", time.Now())
	for _, u := range b.uses["key_1"] {
		for _, s := range []string{u.Path, u.Method} {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > MaxUsagePath {
				t.Errorf("stored %.40q: not cleaned", s)
			}
		}
	}
	f := b.fails[0]
	for _, s := range []string{f.Prefix, f.Code, f.RequestID} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			t.Errorf("stored %q: not cleaned", s)
		}
	}
}
