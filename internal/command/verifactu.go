package command

import (
	"context"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/verifactu"
)

// billingRecordKind is the VeriFactu record an invoice event causes: a
// registro de alta for every invoice issued (a rectifying invoice is
// issued too), a registro de anulación for every invoice canceled (but
// one replaced by substitution: verifactu.Cancels); "" for any other
// event.
func billingRecordKind(eventType string) string {
	switch eventType {
	case invoicing.InvoiceIssued:
		return verifactu.KindAlta
	case invoicing.InvoiceVoided:
		return verifactu.KindAnulacion
	}
	return ""
}

// keepBillingRecords appends to the VeriFactu chain of their tenant the
// records that the events a command appended cause, in the command's
// transaction: whichever command issued or canceled an invoice, its
// records commit with its events or not at all. Only organizations of
// Spain keep a chain.
func keepBillingRecords(ctx context.Context, tx Tx, appended []events.Event) error {
	issuers := map[facturo.Tenant]*accounts.Organization{}
	for _, e := range appended {
		kind := billingRecordKind(e.Type)
		if kind == "" {
			continue
		}
		t := facturo.Tenant{OrgID: e.OrgID, Livemode: e.Livemode}
		org, seen := issuers[t]
		if !seen {
			var err error
			if org, err = verifactuIssuer(ctx, tx, t); err != nil {
				return err
			}
			issuers[t] = org
		}
		if org == nil {
			continue
		}
		history, err := tx.Load(ctx, stream(t, e.StreamID))
		if err != nil {
			return err
		}
		inv, err := invoicing.InvoiceKind.Fold(history[:e.StreamVersion])
		if err != nil {
			return err
		}
		if kind == verifactu.KindAnulacion && inv.Cancellation != nil && !verifactu.Cancels(*inv.Cancellation) {
			continue // replaced by substitution: the rectifying invoice's alta says so
		}
		if _, err := tx.AppendBillingRecord(ctx, t, verifactu.InvoiceEntry(kind, org.TaxID, inv, e.ID)); err != nil {
			return err
		}
	}
	return nil
}

// verifactuIssuer is the organization of t when it keeps a VeriFactu
// chain (a Spanish one), nil otherwise. Its records name it by its NIF,
// so a Spanish organization without one cannot issue or cancel.
func verifactuIssuer(ctx context.Context, tx Tx, t facturo.Tenant) (*accounts.Organization, error) {
	if c, err := Country(ctx, tx, t); err != nil || c != jurisdiction.ES {
		return nil, err // an organization of Mexico reads nothing more
	}
	history, err := tx.Load(ctx, accountStream(t.OrgID, t.OrgID))
	if err != nil {
		return nil, err
	}
	o, err := foldOrganization(t.OrgID, history)
	if err != nil || !o.Exists() { // Country said ES, and a country never changes
		return nil, err
	}
	if strings.TrimSpace(o.TaxID) == "" {
		return nil, facturo.Errorf(facturo.CodeInvalidState,
			"The organization has no tax_id: its VeriFactu records must name its NIF. Set tax_id with PATCH /v1/organizations/%s first.", t.OrgID)
	}
	return o, nil
}
