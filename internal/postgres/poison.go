package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/auth"
)

// PoisonStore keeps the messages consumers gave up on (events.Poison).
type PoisonStore struct{ db *DB }

// NewPoisonStore returns a store on db.
func NewPoisonStore(db *DB) *PoisonStore { return &PoisonStore{db: db} }

// RecordPoison stores p; recording the same message for the same consumer
// again changes nothing.
func (s *PoisonStore) RecordPoison(ctx context.Context, p events.Poison) error {
	return RecordPoison(ctx, s.db.Pool, p)
}

// RecordPoison stores p through q (a projection runner records it in the
// transaction that moves its checkpoint past the message).
func RecordPoison(ctx context.Context, q Querier, p events.Poison) error {
	at := p.At
	if at.IsZero() {
		at = time.Now()
	}
	_, err := q.Exec(ctx, `INSERT INTO poison_events (consumer, stream_seq, subject, event_id, error, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, stream_seq, event_id) DO NOTHING`,
		p.Consumer, int64(p.StreamSeq), auth.CleanText(p.Subject, 1024), auth.CleanText(p.EventID, 128),
		auth.CleanText(p.Error, 4096), at)
	if err != nil {
		return fmt.Errorf("record poison event: %w", err)
	}
	return nil
}

// ListPoison returns the most recent poison messages, newest first, of one
// consumer ("" for all).
func (s *PoisonStore) ListPoison(ctx context.Context, consumer string, limit int) ([]events.Poison, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT consumer, stream_seq, subject, event_id, error, recorded_at
		FROM poison_events WHERE $1 = '' OR consumer = $1 ORDER BY id DESC LIMIT $2`, consumer, limit)
	if err != nil {
		return nil, fmt.Errorf("list poison events: %w", err)
	}
	defer rows.Close()
	var out []events.Poison
	for rows.Next() {
		var p events.Poison
		var seq int64
		if err := rows.Scan(&p.Consumer, &seq, &p.Subject, &p.EventID, &p.Error, &p.At); err != nil {
			return nil, fmt.Errorf("scan poison event: %w", err)
		}
		p.StreamSeq, p.At = uint64(seq), p.At.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}
