package accounts

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/jurisdiction"
)

// foldDrafts turns drafts into a stored stream and folds it.
func foldDrafts(t *testing.T, drafts ...events.Draft) *Organization {
	t.Helper()
	var history []events.Event
	for i, d := range drafts {
		data, err := json.Marshal(d.Data)
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, events.Event{Type: d.Type, StreamID: "org_1", StreamVersion: i + 1, Data: data, CreatedAt: time.Now()})
	}
	o, err := FoldOrganization(history)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOrganizationCountryIsChosenAtCreation(t *testing.T) {
	for _, c := range []struct {
		in   string
		want jurisdiction.Country
	}{{"", jurisdiction.MX}, {"MX", jurisdiction.MX}, {"ES", jurisdiction.ES}} {
		drafts, err := NewOrganization("usr_1", OrganizationInput{Name: "Acme", Country: c.in})
		if err != nil {
			t.Fatalf("country %q: %v", c.in, err)
		}
		o := foldDrafts(t, drafts...)
		if got := o.View().Country; got != c.want {
			t.Errorf("country %q: got %s, want %s", c.in, got, c.want)
		}
		// An update repeats the country; the folded organization keeps it.
		name := "Acme 2"
		more, err := o.Update(OrganizationPatch{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if got := foldDrafts(t, append(drafts, more...)...).Country; got != c.want {
			t.Errorf("country %q after an update: got %s, want %s", c.in, got, c.want)
		}
	}
	if _, err := NewOrganization("usr_1", OrganizationInput{Name: "Acme", Country: "FR"}); !facturo.IsCode(err, facturo.CodeParameterInvalid) {
		t.Errorf("country FR: got %v, want parameter_invalid", err)
	}
}

// An organization.created recorded before countries existed has no
// country: it folds as MX, the behaviour it was created with.
func TestOrganizationWithoutCountryIsMX(t *testing.T) {
	old := events.Event{Type: events.OrganizationCreated, StreamID: "org_1", StreamVersion: 1,
		Data: json.RawMessage(`{"owner_id":"usr_1","name":"Acme","legal_name":"","tax_id":""}`)}
	o, err := FoldOrganization([]events.Event{old})
	if err != nil {
		t.Fatal(err)
	}
	if o.Country != jurisdiction.MX || o.View().Country != jurisdiction.MX {
		t.Errorf("got %q, want MX", o.Country)
	}
}

// The tax id of an ES organization is its NIF, checked with its control
// character; an MX one stays free text.
func TestOrganizationTaxIDFollowsItsCountry(t *testing.T) {
	if _, err := NewOrganization("usr_1", OrganizationInput{Name: "Acme", Country: "ES", TaxID: "B12345675"}); !facturo.IsCode(err, facturo.CodeParameterInvalid) {
		t.Errorf("ES with a wrong control digit: got %v, want parameter_invalid", err)
	}
	if _, err := NewOrganization("usr_1", OrganizationInput{Name: "Acme", Country: "ES", TaxID: "B12345674"}); err != nil {
		t.Errorf("ES with a valid CIF: %v", err)
	}
	if _, err := NewOrganization("usr_1", OrganizationInput{Name: "Acme", TaxID: "B12345675"}); err != nil {
		t.Errorf("MX: %v", err)
	}
}
