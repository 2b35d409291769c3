package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// KeyUse is one authenticated request, as a key's activity shows it.
type KeyUse struct {
	KeyID  string    `json:"-"`
	At     time.Time `json:"time"`
	IP     string    `json:"ip"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"`
}

// AuthFailure is one refused authentication, as the audit log shows it.
type AuthFailure struct {
	At        time.Time
	IP        string
	Prefix    string // "" when the token was missing or malformed
	Code      string
	RequestID string
}

// UsageBatcher records key usage for an API process. Authentication never
// writes to the database: last use per key, recent requests per key and
// authentication failures are gathered in memory and written every
// Interval, and once more when Run ends.
//
// Memory is bounded: at most KeepPerKey pending requests per key (older
// ones are superseded anyway, the table keeps only that many) and at most
// MaxPending pending requests and failures in all; beyond that entries are
// dropped and counted, never blocking a request.
type UsageBatcher struct {
	Keys     LastUsedWriter
	Activity ActivityWriter
	Log      *slog.Logger
	Interval time.Duration // default 2s
	// KeepPerKey is how many recent requests key_activity keeps per key
	// (default 100).
	KeepPerKey int
	MaxPending int           // default 10,000
	Retention  time.Duration // audit log age limit, default 90 days

	mu       sync.Mutex
	lastUsed map[string]time.Time
	uses     map[string][]KeyUse
	nUses    int
	fails    []AuthFailure
	dropped  int
}

// Bounds of the text of a usage record, in bytes. A request path is the
// client's to choose, so it is cut rather than trusted.
const (
	MaxUsagePath  = 1024
	MaxUsageField = 128 // method, IP, token prefix, error code, request id
)

// RejectedRowsError is what an ActivityWriter returns when the database
// refused some rows of a batch one by one: every other row of the batch
// was stored. The batcher logs it and goes on; it is not a failed flush.
type RejectedRowsError struct {
	Rows int   // how many were refused
	Err  error // the first refusal
}

func (e *RejectedRowsError) Error() string {
	return fmt.Sprintf("%d rows refused: %v", e.Rows, e.Err)
}

func (e *RejectedRowsError) Unwrap() error { return e.Err }

// CleanText makes s storable in a text column and bounded: invalid UTF-8
// and NUL become U+FFFD (PostgreSQL refuses both), and s is cut to at most
// max bytes on a character boundary.
func CleanText(s string, max int) string {
	if len(s) <= max && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// LastUsedWriter stores last_used_at for many keys at once.
type LastUsedWriter interface {
	TouchKeys(ctx context.Context, used map[string]time.Time) error
}

// ActivityWriter stores batches of key activity and authentication
// failures, and trims the audit log.
type ActivityWriter interface {
	RecordUses(ctx context.Context, uses []KeyUse, keep int) error
	RecordFailures(ctx context.Context, fails []AuthFailure) error
	TrimAudit(ctx context.Context, before time.Time) error
}

func (b *UsageBatcher) defaults() {
	if b.Interval <= 0 {
		b.Interval = 2 * time.Second
	}
	if b.KeepPerKey <= 0 {
		b.KeepPerKey = 100
	}
	if b.MaxPending <= 0 {
		b.MaxPending = 10_000
	}
	if b.Retention <= 0 {
		b.Retention = 90 * 24 * time.Hour
	}
	if b.Log == nil {
		b.Log = slog.Default()
	}
}

// Used records one request authenticated with keyID.
func (b *UsageBatcher) Used(_ context.Context, keyID string, ip netip.Addr, method, path string, status int, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.defaults()
	if b.lastUsed == nil {
		b.lastUsed, b.uses = map[string]time.Time{}, map[string][]KeyUse{}
	}
	if at.After(b.lastUsed[keyID]) {
		b.lastUsed[keyID] = at
	}
	u := KeyUse{KeyID: CleanText(keyID, MaxUsageField), At: at, IP: addrString(ip),
		Method: CleanText(method, MaxUsageField), Path: CleanText(path, MaxUsagePath), Status: status}
	list := b.uses[keyID]
	switch {
	case len(list) >= b.KeepPerKey:
		b.uses[keyID] = append(list[1:], u) // the oldest would be trimmed anyway
	case b.nUses+len(b.fails) >= b.MaxPending:
		b.dropped++
	default:
		b.uses[keyID] = append(list, u)
		b.nUses++
	}
}

// Failed records one refused authentication of the request requestID.
func (b *UsageBatcher) Failed(_ context.Context, ip netip.Addr, prefix, code, requestID string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.defaults()
	if b.nUses+len(b.fails) >= b.MaxPending {
		b.dropped++
		return
	}
	b.fails = append(b.fails, AuthFailure{At: at, IP: addrString(ip), Prefix: CleanText(prefix, MaxUsageField),
		Code: CleanText(code, MaxUsageField), RequestID: CleanText(requestID, MaxUsageField)})
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Run flushes every Interval until ctx ends, then flushes what is left.
func (b *UsageBatcher) Run(ctx context.Context) error {
	b.mu.Lock()
	b.defaults()
	b.mu.Unlock()
	tick := time.NewTicker(b.Interval)
	defer tick.Stop()
	trimmed := time.Time{}
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return b.Flush(fctx)
		case now := <-tick.C:
			if err := b.Flush(ctx); err != nil {
				b.Log.WarnContext(ctx, "usage flush failed", "err", err)
			}
			if now.Sub(trimmed) > time.Hour {
				if err := b.Activity.TrimAudit(ctx, now.Add(-b.Retention)); err != nil {
					b.Log.WarnContext(ctx, "audit trim failed", "err", err)
				} else {
					trimmed = now
				}
			}
		}
	}
}

// Flush writes everything gathered so far. Last-use times, key activity
// and authentication failures are written independently: one failing
// does not keep the others from being written. Last-use times that could
// not be written are kept for the next flush; activity and failures are
// not (they are a bounded window, not a ledger). Rows the database refuses
// one by one are logged and dropped (RejectedRowsError): the rest of the
// batch is stored.
func (b *UsageBatcher) Flush(ctx context.Context) error {
	b.mu.Lock()
	lastUsed, uses, fails, dropped := b.lastUsed, b.uses, b.fails, b.dropped
	b.lastUsed, b.uses, b.nUses, b.fails, b.dropped = nil, nil, 0, nil, 0
	b.defaults()
	keep := b.KeepPerKey
	b.mu.Unlock()
	if dropped > 0 {
		b.Log.WarnContext(ctx, "usage records dropped: buffer full", "dropped", dropped)
	}
	var errs []error
	if err := b.Keys.TouchKeys(ctx, lastUsed); err != nil {
		b.restore(lastUsed)
		errs = append(errs, fmt.Errorf("key last use: %w", err))
	}
	var all []KeyUse
	for _, list := range uses {
		all = append(all, list...)
	}
	errs = append(errs, b.rejected(ctx, "key activity", b.Activity.RecordUses(ctx, all, keep)),
		b.rejected(ctx, "auth failures", b.Activity.RecordFailures(ctx, fails)))
	return errors.Join(errs...)
}

// rejected logs the rows the database refused (the rest of their batch
// was stored) and returns any other error.
func (b *UsageBatcher) rejected(ctx context.Context, what string, err error) error {
	if rej, ok := errors.AsType[*RejectedRowsError](err); ok {
		b.Log.WarnContext(ctx, "usage rows refused by the database, dropped", "what", what,
			"rows", rej.Rows, "err", rej.Err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (b *UsageBatcher) restore(lastUsed map[string]time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lastUsed == nil {
		b.lastUsed, b.uses = map[string]time.Time{}, map[string][]KeyUse{}
	}
	for k, t := range lastUsed {
		if t.After(b.lastUsed[k]) {
			b.lastUsed[k] = t
		}
	}
}
