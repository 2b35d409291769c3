package command

import (
	"context"
	"fmt"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
)

// CreateSeries claims the code in the series counters (resource_exists if
// taken) and seeds its counter with next_number, with series.created, in
// one transaction.
func CreateSeries(ctx context.Context, st Store, t facturo.Tenant, m Meta, in invoicing.SeriesInput) (*invoicing.Series, error) {
	drafts, err := invoicing.NewSeries(in)
	if err != nil {
		return nil, err
	}
	norm, ok := drafts[0].Data.(invoicing.SeriesInput)
	if !ok {
		return nil, fmt.Errorf("series.created data is %T", drafts[0].Data)
	}
	k := invoicing.SeriesKind
	seriesID := k.New()
	return run(ctx, st, m, func(tx Tx) (*invoicing.Series, error) {
		if err := tx.ClaimSeries(ctx, t, norm.Code, seriesID, norm.NextNumber); err != nil {
			return nil, err
		}
		created, err := tx.Append(ctx, stream(t, seriesID), 0, drafts...)
		if err != nil {
			return nil, err
		}
		return k.Fold(created)
	})
}

// UpdateSeries changes the prefix or moves the counter. The counter is
// locked first and its next number is what the patch compares with, so a
// next_number at or below a number already issued is refused.
func UpdateSeries(ctx context.Context, st Store, t facturo.Tenant, m Meta, seriesID string, p invoicing.SeriesPatch) (*invoicing.Series, error) {
	return change(ctx, st, t, m, invoicing.SeriesKind, seriesID, func(tx Tx, ser *invoicing.Series) ([]events.Draft, error) {
		c, err := tx.LockCounter(ctx, t, ser.Code)
		if err != nil {
			return nil, err
		}
		ser.NextNumber = c.NextNumber
		drafts, err := ser.Update(p)
		if err != nil || len(drafts) == 0 || p.NextNumber == nil {
			return drafts, err
		}
		return drafts, tx.MoveSeries(ctx, t, ser.Code, *p.NextNumber)
	})
}
