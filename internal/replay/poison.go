package replay

import (
	"context"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/postgres"
)

// Poison lists the stream messages consumers gave up on (events.Poison),
// newest first: those of consumer ("" for every consumer), at most limit.
// Once the cause is fixed, republish the events by id or position
// (Republish) and the consumers apply them.
func Poison(ctx context.Context, db *postgres.DB, consumer string, limit int) ([]events.Poison, error) {
	if limit <= 0 {
		limit = 100
	}
	return postgres.NewPoisonStore(db).ListPoison(ctx, consumer, limit)
}
