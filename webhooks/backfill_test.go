package webhooks_test

import (
	"errors"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/webhooks"
)

// backfill_since is accepted from exactly 7 days ago up to now; anything
// else is refused on the parameter.
func TestCheckBackfillSince(t *testing.T) {
	now := time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		since time.Time
		ok    bool
	}{
		{now, true},
		{now.Add(-webhooks.BackfillWindow), true},
		{now.Add(-time.Hour), true},
		{now.Add(-webhooks.BackfillWindow - time.Second), false},
		{now.Add(time.Second), false},
		{time.Time{}, false},
	} {
		err := webhooks.CheckBackfillSince(c.since, now)
		var fe *facturo.Error
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.since, err)
		case !c.ok && (!errors.As(err, &fe) || fe.Param != "backfill_since" || fe.Code != facturo.CodeParameterInvalid):
			t.Errorf("%s: %v, want parameter_invalid on backfill_since", c.since, err)
		}
	}
}
