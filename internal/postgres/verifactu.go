package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/verifactu"
	"github.com/jackc/pgx/v5"
)

// AppendBillingRecord chains e to the VeriFactu chain of t inside tx, the
// transaction that appends the invoice event causing it. The chain's head
// row is locked until tx ends, so concurrent writers of one chain, in any
// number of processes, queue on it and each links to the record the one
// before committed; a rollback takes the record back with the event. The
// unique (org, mode, sequence) and (org, mode, previous_hash) constraints
// refuse a gap or a fork even to a writer that bypassed the head.
func (tx *Tx) AppendBillingRecord(ctx context.Context, t facturo.Tenant, e verifactu.Entry) (verifactu.Record, error) {
	_, err := tx.Exec(ctx, `INSERT INTO verifactu_chains (org_id, livemode)
		VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.OrgID, t.Livemode)
	if err != nil {
		return verifactu.Record{}, fmt.Errorf("create verifactu chain: %w", err)
	}
	var head verifactu.Record
	err = tx.QueryRow(ctx, `SELECT last_sequence, last_hash FROM verifactu_chains
		WHERE org_id = $1 AND livemode = $2 FOR UPDATE`, t.OrgID, t.Livemode).Scan(&head.Sequence, &head.Hash)
	if err != nil {
		return verifactu.Record{}, fmt.Errorf("lock verifactu chain: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT date_trunc('second', clock_timestamp())`).Scan(&e.GeneratedAt); err != nil {
		return verifactu.Record{}, fmt.Errorf("verifactu record time: %w", err)
	}
	prev := &head
	if head.Sequence == 0 {
		prev = nil
	}
	r := verifactu.Link(prev, e)
	r.ID, r.OrgID, r.Livemode = id.New(id.BillingRecord), t.OrgID, t.Livemode
	_, err = tx.Exec(ctx, `INSERT INTO verifactu_records (id, org_id, livemode, sequence, kind,
		invoice_id, event_id, issuer_nif, invoice_number, issue_date, invoice_type, tax_total, total,
		generated_at, previous_hash, hash, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.ID, r.OrgID, r.Livemode, r.Sequence, r.Kind, r.InvoiceID, r.EventID, r.IssuerNIF, r.InvoiceNumber,
		r.IssueDate, r.InvoiceType, r.TaxTotal, r.Total, r.GeneratedAt, r.PreviousHash, r.Hash, r.Status)
	if err != nil {
		return verifactu.Record{}, fmt.Errorf("append verifactu record %d: %w", r.Sequence, err)
	}
	_, err = tx.Exec(ctx, `UPDATE verifactu_chains SET last_sequence = $3, last_hash = $4
		WHERE org_id = $1 AND livemode = $2`, t.OrgID, t.Livemode, r.Sequence, r.Hash)
	if err != nil {
		return verifactu.Record{}, fmt.Errorf("advance verifactu chain: %w", err)
	}
	return r, nil
}

const billingRecordColumns = `id, org_id, livemode, sequence, kind, invoice_id, event_id, issuer_nif,
	invoice_number, issue_date, invoice_type, tax_total, total, generated_at, previous_hash, hash,
	status, status_detail, submitted_at`

func scanBillingRecord(row pgx.Row) (verifactu.Record, error) {
	var r verifactu.Record
	var submitted *time.Time
	err := row.Scan(&r.ID, &r.OrgID, &r.Livemode, &r.Sequence, &r.Kind, &r.InvoiceID, &r.EventID,
		&r.IssuerNIF, &r.InvoiceNumber, &r.IssueDate, &r.InvoiceType, &r.TaxTotal, &r.Total,
		&r.GeneratedAt, &r.PreviousHash, &r.Hash, &r.Status, &r.Detail, &submitted)
	if submitted != nil {
		r.SubmittedAt = submitted.UTC()
	}
	r.IssueDate, r.GeneratedAt = r.IssueDate.UTC(), r.GeneratedAt.UTC()
	return r, err
}

// ChainQuery selects a page of one chain, in chain order: the records
// generated in [From, To) (zero: unbounded) after the record at
// AfterSequence, at most Limit of them.
type ChainQuery struct {
	From, To      time.Time
	AfterSequence int64
	Limit         int
}

// BillingRecords returns a page of t's VeriFactu chain, oldest first, and
// whether more records of the period follow it.
func BillingRecords(ctx context.Context, q Querier, t facturo.Tenant, cq ChainQuery) ([]verifactu.Record, bool, error) {
	var from, to *time.Time
	if !cq.From.IsZero() {
		from = &cq.From
	}
	if !cq.To.IsZero() {
		to = &cq.To
	}
	rows, err := q.Query(ctx, `SELECT `+billingRecordColumns+` FROM verifactu_records
		WHERE org_id = $1 AND livemode = $2 AND sequence > $3
		  AND ($4::timestamptz IS NULL OR generated_at >= $4)
		  AND ($5::timestamptz IS NULL OR generated_at < $5)
		ORDER BY sequence LIMIT $6`, t.OrgID, t.Livemode, cq.AfterSequence, from, to, cq.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("verifactu records: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (verifactu.Record, error) {
		return scanBillingRecord(row)
	})
	if err != nil {
		return nil, false, fmt.Errorf("verifactu records: %w", err)
	}
	more := len(out) > cq.Limit
	if more {
		out = out[:cq.Limit]
	}
	return out, more, nil
}

// BillingRecord returns one record of t's chain; not found when t has no
// record with that id.
func BillingRecord(ctx context.Context, q Querier, t facturo.Tenant, recordID string) (verifactu.Record, error) {
	r, err := scanBillingRecord(q.QueryRow(ctx, `SELECT `+billingRecordColumns+` FROM verifactu_records
		WHERE id = $1 AND org_id = $2 AND livemode = $3`, recordID, t.OrgID, t.Livemode))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, facturo.NotFound("verifactu_record", recordID)
	}
	if err != nil {
		return r, fmt.Errorf("verifactu record %s: %w", recordID, err)
	}
	return r, nil
}

// BillingChains lists the tenants that have a VeriFactu chain, the
// organizations in id order, test mode before live.
func BillingChains(ctx context.Context, q Querier) ([]facturo.Tenant, error) {
	rows, err := q.Query(ctx, `SELECT org_id, livemode FROM verifactu_chains ORDER BY org_id, livemode`)
	if err != nil {
		return nil, fmt.Errorf("verifactu chains: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (facturo.Tenant, error) {
		var t facturo.Tenant
		return t, row.Scan(&t.OrgID, &t.Livemode)
	})
	if err != nil {
		return nil, fmt.Errorf("verifactu chains: %w", err)
	}
	return out, nil
}

// BillingChainHead is where t's chain stands: its last sequence and
// fingerprint, zero before the first record.
func BillingChainHead(ctx context.Context, q Querier, t facturo.Tenant) (verifactu.Head, error) {
	var h verifactu.Head
	err := q.QueryRow(ctx, `SELECT last_sequence, last_hash FROM verifactu_chains
		WHERE org_id = $1 AND livemode = $2`, t.OrgID, t.Livemode).Scan(&h.Sequence, &h.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return verifactu.Head{}, nil
	}
	if err != nil {
		return h, fmt.Errorf("verifactu chain head: %w", err)
	}
	return h, nil
}

// SubmitBillingRecords offers up to limit pending records of one mode to
// s, each chain's in chain order, and stores what s decided, in one
// transaction: the records are claimed FOR UPDATE SKIP LOCKED, so that
// several workers never submit one record twice, and an error of s
// leaves them pending. It returns how many records were decided.
func SubmitBillingRecords(ctx context.Context, db *DB, livemode bool, limit int, s verifactu.Submitter) (int, error) {
	decided := 0
	err := db.Transact(ctx, func(tx pgx.Tx) error {
		decided = 0
		rows, err := tx.Query(ctx, `SELECT `+billingRecordColumns+` FROM verifactu_records
			WHERE status = 'pending' AND livemode = $1
			ORDER BY org_id, sequence LIMIT $2 FOR UPDATE SKIP LOCKED`, livemode, limit)
		if err != nil {
			return fmt.Errorf("claim verifactu records: %w", err)
		}
		claimed, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (verifactu.Record, error) {
			return scanBillingRecord(row)
		})
		if err != nil {
			return fmt.Errorf("claim verifactu records: %w", err)
		}
		for len(claimed) > 0 {
			n := 1
			for n < len(claimed) && claimed[n].OrgID == claimed[0].OrgID {
				n++
			}
			if err := submitChain(ctx, tx, claimed[:n], s); err != nil {
				return err
			}
			decided, claimed = decided+n, claimed[n:]
		}
		return nil
	})
	return decided, err
}

func submitChain(ctx context.Context, tx pgx.Tx, records []verifactu.Record, s verifactu.Submitter) error {
	outcomes, err := s.Submit(ctx, records)
	if err != nil {
		return fmt.Errorf("submit verifactu records of %s: %w", records[0].OrgID, err)
	}
	if len(outcomes) != len(records) {
		return fmt.Errorf("submit verifactu records of %s: %d outcomes for %d records", records[0].OrgID, len(outcomes), len(records))
	}
	for i, o := range outcomes {
		_, err := tx.Exec(ctx, `UPDATE verifactu_records SET status = $2, status_detail = $3, submitted_at = $4
			WHERE id = $1`, records[i].ID, o.Status, o.Detail, o.At)
		if err != nil {
			return fmt.Errorf("record outcome of %s: %w", records[i].ID, err)
		}
	}
	return nil
}

// BillingQueue is the verifactu.Queue of the records in db.
type BillingQueue struct{ DB *DB }

// Submit offers pending records to s (SubmitBillingRecords).
func (q BillingQueue) Submit(ctx context.Context, livemode bool, limit int, s verifactu.Submitter) (int, error) {
	return SubmitBillingRecords(ctx, q.DB, livemode, limit, s)
}
