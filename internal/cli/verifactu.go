package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/internal/verifactu"
)

// errBrokenChain is what `verifactu verify` fails with when a chain does
// not verify, after naming its first broken link.
var errBrokenChain = errors.New("verifactu: a chain is broken")

// verifyChains walks every VeriFactu chain the flags select, from its
// first record to its head, and names the first broken link of each.
func (t *tool) verifyChains(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verifactu verify", flag.ContinueOnError)
	org := fs.String("org", "", "only this organization's chains")
	live := fs.Bool("live", false, "only live chains")
	test := fs.Bool("test", false, "only test-mode chains")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *live && *test {
		return errors.New("verifactu verify: --live and --test exclude each other")
	}
	all, err := postgres.BillingChains(ctx, t.svc.DB.Pool)
	if err != nil {
		return err
	}
	chains := slices.DeleteFunc(all, func(c facturo.Tenant) bool {
		return (*org != "" && c.OrgID != *org) || (*live && !c.Livemode) || (*test && c.Livemode)
	})
	if len(chains) == 0 {
		fmt.Fprintln(t.out, "no VeriFactu chain to verify")
		return nil
	}
	broken := false
	for _, c := range chains {
		ok, err := t.verifyChain(ctx, c)
		if err != nil {
			return err
		}
		broken = broken || !ok
	}
	if broken {
		return errBrokenChain
	}
	return nil
}

func (t *tool) verifyChain(ctx context.Context, c facturo.Tenant) (bool, error) {
	db := t.svc.DB.Pool
	head, err := postgres.BillingChainHead(ctx, db, c)
	if err != nil {
		return false, err
	}
	n, b, err := verifactu.VerifyAll(ctx, head, func(ctx context.Context, after int64) ([]verifactu.Record, error) {
		page, _, err := postgres.BillingRecords(ctx, db, c, postgres.ChainQuery{AfterSequence: after, Limit: 500})
		return page, err
	})
	if err != nil {
		return false, fmt.Errorf("verify chain of %s (%s): %w", c.OrgID, c.Mode(), err)
	}
	if b != nil {
		fmt.Fprintf(t.out, "%s %s: BROKEN after %d good records: first broken link: record %s (#%d): %s\n  expected: %s\n  stored:   %s\n",
			c.OrgID, c.Mode(), n, b.RecordID, b.Sequence, b.Reason, b.Expected, b.Stored)
		return false, nil
	}
	fmt.Fprintf(t.out, "%s %s: ok, %d records, head #%d %s\n", c.OrgID, c.Mode(), n, head.Sequence, head.Hash)
	return true, nil
}
