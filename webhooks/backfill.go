package webhooks

import (
	"time"

	"github.com/facturo/facturo"
)

// Backfill bounds: a new endpoint may ask for the matching events of at
// most the last BackfillWindow, and at most MaxBackfill of them.
const (
	BackfillWindow = 7 * 24 * time.Hour
	MaxBackfill    = 10000
)

// CheckBackfillSince refuses a backfill_since in the future or older than
// BackfillWindow at now.
func CheckBackfillSince(since, now time.Time) error {
	switch {
	case since.After(now):
		return facturo.ParamError(facturo.CodeParameterInvalid, "backfill_since",
			"backfill_since must not be in the future.")
	case since.Before(now.Add(-BackfillWindow)):
		return facturo.ParamError(facturo.CodeParameterInvalid, "backfill_since",
			"backfill_since must be at most 7 days (%d seconds) ago.", int(BackfillWindow/time.Second))
	}
	return nil
}

// ErrBackfillTooLarge refuses a backfill of more than MaxBackfill events.
func ErrBackfillTooLarge() error {
	return facturo.ParamError(facturo.CodeParameterInvalid, "backfill_since",
		"More than %d events match since backfill_since; choose a later backfill_since, "+
			"or read the older events from GET /v1/events.", MaxBackfill)
}
