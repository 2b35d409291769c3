package accounts

import (
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/jurisdiction/es"
)

// Organization is a business issuing invoices. It has a live and a test
// environment, each with its own keys and data.
type Organization struct {
	ID        string
	OwnerID   string
	Name      string
	LegalName string
	TaxID     string
	// Country is the jurisdiction whose law its documents follow, chosen
	// at creation and never changed.
	Country     jurisdiction.Country
	APIDisabled bool
	Branding    Branding
	Logo        *Logo // nil until a logo is uploaded
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int
}

// Exists reports whether the stream had any event.
func (o *Organization) Exists() bool { return o.Version > 0 }

// OrganizationInput creates an organization.
type OrganizationInput struct {
	Name      string `json:"name" facturo:"required;max=200"`
	LegalName string `json:"legal_name" facturo:"max=300"`
	TaxID     string `json:"tax_id" facturo:"max=20"`
	// Country is the jurisdiction of its documents; it cannot be changed.
	Country string `json:"country" facturo:"enum=MX|ES;default=MX"`
}

// OrganizationPatch changes an organization; nil fields stay as they are.
type OrganizationPatch struct {
	Name      *string `json:"name" facturo:"nonblank;max=200"`
	LegalName *string `json:"legal_name" facturo:"max=300"`
	TaxID     *string `json:"tax_id" facturo:"max=20"`
	// Branding of the documents (PDFs) the organization issues.
	Address          *string `json:"address" facturo:"max=300"`
	AccentColor      *string `json:"accent_color" facturo:"pattern=^#[0-9a-fA-F]{6}$"`
	FooterText       *string `json:"footer_text" facturo:"max=500"`
	DocumentLanguage *string `json:"document_language" facturo:"enum=es|en"`
}

// OrganizationData is the data of organization.created and .updated: the
// whole profile after the change.
type OrganizationData struct {
	OwnerID   string `json:"owner_id"`
	Name      string `json:"name"`
	LegalName string `json:"legal_name"`
	TaxID     string `json:"tax_id"`
	// Country is set by organization.created only ("" in events recorded
	// before countries existed: the default); .updated repeats it.
	Country jurisdiction.Country `json:"country,omitempty"`
	Branding
}

// NewOrganization decides organization.created for owner.
func NewOrganization(ownerID string, in OrganizationInput) ([]events.Draft, error) {
	country, err := jurisdiction.ParseCountry(in.Country)
	if err != nil {
		return nil, err
	}
	d, err := organizationData(ownerID, in.Name, in.LegalName, in.TaxID, DefaultBranding())
	if err != nil {
		return nil, err
	}
	d.Country = country
	if err := checkTaxID(country, d.TaxID); err != nil {
		return nil, err
	}
	return []events.Draft{{Type: events.OrganizationCreated, Data: d}}, nil
}

// Update decides organization.updated, or nothing if nothing changes.
func (o *Organization) Update(p OrganizationPatch) ([]events.Draft, error) {
	name, legal, tax := o.Name, o.LegalName, o.TaxID
	if p.Name != nil {
		name = *p.Name
	}
	if p.LegalName != nil {
		legal = *p.LegalName
	}
	if p.TaxID != nil {
		tax = *p.TaxID
	}
	b, err := o.Branding.patched(p)
	if err != nil {
		return nil, err
	}
	d, err := organizationData(o.OwnerID, name, legal, tax, b)
	if err != nil {
		return nil, err
	}
	d.Country = o.Country
	if err := checkTaxID(o.Country, d.TaxID); err != nil && d.TaxID != o.TaxID {
		return nil, err
	}
	if d.Name == o.Name && d.LegalName == o.LegalName && d.TaxID == o.TaxID && d.Branding == o.Branding {
		return nil, nil
	}
	return []events.Draft{{Type: events.OrganizationUpdated, Data: d}}, nil
}

// SetAPIDisabled decides the operator's switch of API access.
func (o *Organization) SetAPIDisabled(disabled bool) []events.Draft {
	if disabled == o.APIDisabled {
		return nil
	}
	t := events.OrganizationEnabled
	if disabled {
		t = events.OrganizationDisabled
	}
	return []events.Draft{{Type: t, Data: struct{}{}}}
}

func organizationData(owner, name, legal, tax string, b Branding) (OrganizationData, error) {
	var d OrganizationData
	var err error
	d.OwnerID, d.Branding = owner, b
	if d.Name, err = requiredText("name", name, 200); err != nil {
		return d, err
	}
	if d.LegalName, err = optionalText("legal_name", legal, 300); err != nil {
		return d, err
	}
	if d.TaxID, err = optionalText("tax_id", tax, 20); err != nil {
		return d, err
	}
	return d, nil
}

// checkTaxID checks the tax id of a Spanish organization: its NIF, with
// its control character. A Mexican one is free text, as it always was.
func checkTaxID(c jurisdiction.Country, taxID string) error {
	if c != jurisdiction.ES || taxID == "" {
		return nil
	}
	if _, err := es.ParseNIF(taxID); err != nil {
		return facturo.ParamError(facturo.CodeParameterInvalid, "tax_id", "tax_id of an ES organization is its NIF: %v.", err)
	}
	return nil
}

// FoldOrganization folds an organization stream.
func FoldOrganization(history []events.Event) (*Organization, error) {
	o := &Organization{}
	for _, e := range history {
		switch e.Type {
		case events.OrganizationCreated, events.OrganizationUpdated:
			var d OrganizationData
			if err := e.Decode(&d); err != nil {
				return nil, err
			}
			o.OwnerID, o.Name, o.LegalName, o.TaxID = d.OwnerID, d.Name, d.LegalName, d.TaxID
			o.Branding = d.Branding.orDefaults()
			if e.Type == events.OrganizationCreated {
				o.ID, o.CreatedAt = e.StreamID, e.CreatedAt
				o.Country = d.Country.OrDefault()
			}
		case events.OrganizationLogoUpdated:
			var l Logo
			if err := e.Decode(&l); err != nil {
				return nil, err
			}
			o.Logo = &l
		case events.OrganizationDisabled:
			o.APIDisabled = true
		case events.OrganizationEnabled:
			o.APIDisabled = false
		}
		o.UpdatedAt = e.CreatedAt
		o.Version = e.StreamVersion
	}
	return o, nil
}

// OwnedBy returns the organization if user owns it, else not found: another
// user's organization is indistinguishable from a missing one.
func (o *Organization) OwnedBy(userID, requestedID string) error {
	if !o.Exists() || o.OwnerID != userID {
		return facturo.NotFound("organization", requestedID)
	}
	return nil
}

// OrganizationView is the public JSON of an organization.
type OrganizationView struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	Name      string `json:"name"`
	LegalName string `json:"legal_name"`
	TaxID     string `json:"tax_id"`
	// Country is the jurisdiction of its documents: MX or ES.
	Country     jurisdiction.Country `json:"country" facturo:"enum=MX|ES"`
	APIDisabled bool                 `json:"api_disabled"`
	Branding
	Logo      *Logo     `json:"logo"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// View returns the public representation.
func (o *Organization) View() OrganizationView {
	return OrganizationView{ID: o.ID, Object: "organization", Name: o.Name, LegalName: o.LegalName,
		TaxID: o.TaxID, Country: o.Country.OrDefault(), APIDisabled: o.APIDisabled, Branding: o.Branding.orDefaults(), Logo: o.Logo, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// LegalNameOrName is how documents name the organization: its legal name,
// or its name when it has none.
func (o *Organization) LegalNameOrName() string {
	if o.LegalName != "" {
		return o.LegalName
	}
	return o.Name
}
