package command_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/shopspring/decimal"
)

// A tax rate is one of the taxes of its organization's country, checked by
// that country's rules when it is saved, and a product of a Spanish
// organization can name it: the rates used to be checked against the
// Mexican catalogue only, and naming one on a Spanish product answered
// "missing type".
func TestTaxRatesFollowTheirOrganizationsCountry(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	m := command.Meta{Now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	es := facturo.Tenant{OrgID: newOrganization(t, st, m, accounts.OrganizationInput{Name: "Uno", TaxID: "B12345674", Country: "ES"}), Livemode: true}
	mx := facturo.Tenant{OrgID: newOrganization(t, st, m, accounts.OrganizationInput{Name: "Dos"}), Livemode: true}

	rate := decimal.RequireFromString("0.21")
	iva21, err := command.CreateTaxRate(ctx, st, es, m, invoicing.TaxRateInput{Name: "IVA general", Type: "IVA", Rate: &rate})
	if err != nil {
		t.Fatalf("IVA 21 %% for a Spanish organization: %v", err)
	}
	price := decimal.RequireFromString("100")
	p, err := command.CreateProduct(ctx, st, es, m, invoicing.ProductInput{Description: "Consultoría", Price: &price,
		Taxes: []invoicing.TaxInput{{TaxRate: iva21.ID}}})
	if err != nil {
		t.Fatalf("a Spanish product naming the rate: %v", err)
	}
	if got := p.View().Taxes; len(got) != 1 || got[0].Type != "IVA" || got[0].Rate != "0.21" || got[0].TaxRate != iva21.ID {
		t.Fatalf("product taxes %+v, want the copy of IVA 0.21 from %s", got, iva21.ID)
	}

	ieps := decimal.RequireFromString("0.08")
	_, err = command.CreateTaxRate(ctx, st, es, m, invoicing.TaxRateInput{Name: "IEPS", Type: "IEPS", Rate: &ieps})
	if fe, ok := errors.AsType[*facturo.Error](err); !ok || fe.Param != "type" {
		t.Fatalf("IEPS for a Spanish organization: %v, want a refusal of type", err)
	}
	irpf := decimal.RequireFromString("0.15")
	_, err = command.CreateTaxRate(ctx, st, mx, m, invoicing.TaxRateInput{Name: "IRPF", Type: "IRPF", Rate: &irpf})
	if fe, ok := errors.AsType[*facturo.Error](err); !ok || fe.Param != "type" {
		t.Fatalf("IRPF for a Mexican organization: %v, want a refusal of type", err)
	}
}
