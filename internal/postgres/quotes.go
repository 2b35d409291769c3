package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/jackc/pgx/v5"
)

// SaveQuoteLink records the public link of a quote of t: the SHA-256 of
// its token, and until when it works.
func (tx *Tx) SaveQuoteLink(ctx context.Context, t facturo.Tenant, quoteID string, tokenSHA256 []byte, expiresAt time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO quote_links (token_sha256, org_id, livemode, quote_id, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, tokenSHA256, t.OrgID, t.Livemode, quoteID, expiresAt)
	if err != nil {
		return fmt.Errorf("save the link of quote %s: %w", quoteID, err)
	}
	return nil
}

// QuoteLink is what a public link names.
type QuoteLink struct {
	Tenant    facturo.Tenant
	QuoteID   string
	ExpiresAt time.Time
}

// FindQuoteLink finds the quote a token's SHA-256 names: not found for an
// unknown token.
func (s *EventStore) FindQuoteLink(ctx context.Context, tokenSHA256 []byte) (QuoteLink, error) {
	var l QuoteLink
	err := s.db.Pool.QueryRow(ctx, `SELECT org_id, livemode, quote_id, expires_at FROM quote_links
		WHERE token_sha256 = $1`, tokenSHA256).Scan(&l.Tenant.OrgID, &l.Tenant.Livemode, &l.QuoteID, &l.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, facturo.Errorf(facturo.CodeNotFound, "No quote has this link.")
	}
	if err != nil {
		return l, fmt.Errorf("find quote link: %w", err)
	}
	return l, nil
}

// ScheduleQuoteExpiry records when a sent quote of t expires.
func (tx *Tx) ScheduleQuoteExpiry(ctx context.Context, t facturo.Tenant, quoteID string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO quote_expiries (quote_id, org_id, livemode, expires_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (quote_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
		quoteID, t.OrgID, t.Livemode, at)
	if err != nil {
		return fmt.Errorf("schedule the expiry of quote %s: %w", quoteID, err)
	}
	return nil
}

// NextDueQuote locks one quote expiry due at now that no other transaction
// holds (FOR UPDATE SKIP LOCKED) until tx ends; ok is false when none is
// due.
func (tx *Tx) NextDueQuote(ctx context.Context, now time.Time) (t facturo.Tenant, quoteID string, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT org_id, livemode, quote_id FROM quote_expiries
		WHERE expires_at <= $1 ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`, now).
		Scan(&t.OrgID, &t.Livemode, &quoteID)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, "", false, nil
	}
	if err != nil {
		return t, "", false, fmt.Errorf("next due quote: %w", err)
	}
	return t, quoteID, true, nil
}

// ForgetQuoteExpiry deletes the expiry of a quote of t.
func (tx *Tx) ForgetQuoteExpiry(ctx context.Context, t facturo.Tenant, quoteID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM quote_expiries WHERE quote_id = $1 AND org_id = $2 AND livemode = $3`,
		quoteID, t.OrgID, t.Livemode)
	if err != nil {
		return fmt.Errorf("forget the expiry of quote %s: %w", quoteID, err)
	}
	return nil
}
