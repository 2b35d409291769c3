-- +goose Up
-- A stream-major rebuild (projections.Rebuilder, for projections whose
-- rows are each the fold of one stream) first writes every stream's row
-- in stream id order, then catches up in relay order from the cursor the
-- row already holds. bulk_after is how far the first phase got: the last
-- stream whose row is written ('' before the first), NULL once that phase
-- is over or for a rebuild that has none.
ALTER TABLE projection_rebuilds ADD COLUMN bulk_after text;

-- +goose Down
ALTER TABLE projection_rebuilds DROP COLUMN bulk_after;
