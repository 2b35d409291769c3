package invoicing

import (
	"regexp"
	"strings"
	"time"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/jurisdiction"
)

// clientEvents are the event types of clients.
var clientEvents = []events.TypeInfo{
	{Name: events.ClientCreated, Description: "A client was created."},
	{Name: events.ClientUpdated, Description: "A client was updated; data holds the whole client after the change."},
	{Name: events.ClientDeleted, Description: "A client was deleted."},
}

// DefaultCountry is the address country when none is given.
const DefaultCountry = "MEX"

// Address is a postal address. Country is ISO 3166 alpha-3 or alpha-2.
type Address struct {
	Street       string `json:"street" facturo:"max=100"`
	Exterior     string `json:"exterior" facturo:"max=100"`
	Interior     string `json:"interior" facturo:"max=100"`
	Neighborhood string `json:"neighborhood" facturo:"max=100"`
	City         string `json:"city" facturo:"max=100"`
	Municipality string `json:"municipality" facturo:"max=100"`
	State        string `json:"state" facturo:"max=100"`
	Country      string `json:"country" facturo:"pattern=^[A-Z]{2,3}$;default=MEX"`
	Zip          string `json:"zip" facturo:"pattern=^[A-Z0-9 -]{3,10}$"`
}

// ClientInput is the body of POST /v1/clients, and the data of client.created
// once normalized.
type ClientInput struct {
	LegalName string            `json:"legal_name" facturo:"required;max=300"`
	TaxID     string            `json:"tax_id" facturo:"required;pattern=^[A-Z0-9&Ñ]{9,20}$"`
	TaxSystem string            `json:"tax_system,omitempty" facturo:"pattern=^[0-9]{3}$"`
	Email     string            `json:"email,omitempty" facturo:"format=email;max=254"`
	Phone     string            `json:"phone,omitempty" facturo:"max=30"`
	Address   Address           `json:"address"`
	Metadata  map[string]string `json:"metadata"`
}

// ClientPatch is the body of PATCH /v1/clients/{id}; nil means unchanged. An
// address or metadata object replaces the whole stored one. The data of
// client.updated is the whole normalized ClientInput after the change, so a
// consumer never needs the earlier events to know the client.
type ClientPatch struct {
	LegalName *string           `json:"legal_name,omitempty" facturo:"nonblank;max=300"`
	TaxID     *string           `json:"tax_id,omitempty" facturo:"nonblank;pattern=^[A-Z0-9&Ñ]{9,20}$"`
	TaxSystem *string           `json:"tax_system,omitempty" facturo:"pattern=^[0-9]{3}$"`
	Email     *string           `json:"email,omitempty" facturo:"format=email;max=254"`
	Phone     *string           `json:"phone,omitempty" facturo:"max=30"`
	Address   *Address          `json:"address,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// clientData is the data of client.created and client.updated: the
// normalized input, and the country whose rules it follows ("" for MX).
type clientData struct {
	ClientInput
	Jurisdiction jurisdiction.Country `json:"jurisdiction,omitempty"`
}

// Client is the state of one client stream.
type Client struct {
	Meta
	ClientInput
	Jurisdiction jurisdiction.Country // "" for MX
	Deleted      bool
}

// ClientView is the public JSON of a client.
type ClientView struct {
	ID        string            `json:"id"`
	Object    string            `json:"object"`
	Livemode  bool              `json:"livemode"`
	CreatedAt *time.Time        `json:"created_at"`
	UpdatedAt *time.Time        `json:"updated_at"`
	LegalName string            `json:"legal_name"`
	TaxID     string            `json:"tax_id"`
	TaxSystem string            `json:"tax_system"`
	Email     string            `json:"email"`
	Phone     string            `json:"phone"`
	Address   Address           `json:"address"`
	Metadata  map[string]string `json:"metadata"`
	Deleted   bool              `json:"deleted,omitempty"`
}

var (
	// Mexican RFCs are 12 or 13 characters; foreign tax ids vary, so the
	// shape check is loose on purpose.
	taxIDPattern     = regexp.MustCompile(`^[A-Z0-9&Ñ]{10,20}$`)
	taxSystemPattern = regexp.MustCompile(`^[0-9]{3}$`)
	countryPattern   = regexp.MustCompile(`^[A-Z]{2,3}$`)
	zipPattern       = regexp.MustCompile(`^[A-Z0-9 -]{3,10}$`)
	homeZipPattern   = regexp.MustCompile(`^[0-9]{5}$`)
)

// NewClient decides the creation of a client of a Mexican organization.
func NewClient(in ClientInput) ([]events.Draft, error) { return mexicoRules.NewClient(in) }

// NewClient decides the creation of a client under r.
func (r Rules) NewClient(in ClientInput) ([]events.Draft, error) {
	in, err := normalizeClient(r, in)
	if err != nil {
		return nil, err
	}
	in.Metadata = copyMetadata(in.Metadata)
	return one(events.ClientCreated, clientData{ClientInput: in, Jurisdiction: r.stamp()}), nil
}

func normalizeClient(r Rules, in ClientInput) (ClientInput, error) {
	var err error
	if in.LegalName, err = requiredText("legal_name", in.LegalName, 300); err != nil {
		return in, err
	}
	in.TaxID = strings.ToUpper(strings.TrimSpace(in.TaxID))
	if in.TaxID == "" {
		return in, missing("tax_id")
	}
	if in.TaxID, err = r.Parties.NormalizeTaxID("tax_id", in.TaxID); err != nil {
		return in, err
	}
	if in.Address, err = normalizeAddress(r.Parties, "address", in.Address); err != nil {
		return in, err
	}
	in.TaxSystem, in.Email, in.Phone = strings.TrimSpace(in.TaxSystem), strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	return in, firstErr(
		optional(in.TaxSystem, func() error {
			return matches(taxSystemPattern, "tax_system", in.TaxSystem, "a SAT tax system code (3 digits)")
		}),
		optional(in.Email, func() error { return validateEmail("email", in.Email) }),
		maxLen("phone", in.Phone, 30),
		validateMetadata("metadata", in.Metadata),
	)
}

// optional runs check only when s is set.
func optional(s string, check func() error) error {
	if s == "" {
		return nil
	}
	return check()
}

// mxParties are the parties of Mexican documents.
type mxParties struct{}

// NormalizeTaxID implements PartyRules: an RFC, or a foreign tax id, by
// its shape only.
func (mxParties) NormalizeTaxID(param, s string) (string, error) {
	return s, matches(taxIDPattern, param, s, "a valid tax id (10 to 20 letters, digits, & or Ñ)")
}

// HomeCountry implements PartyRules.
func (mxParties) HomeCountry() (string, string, string) { return DefaultCountry, "MX", "Mexican" }

// maxAddressField bounds each free-text line of an address.
const maxAddressField = 100

func normalizeAddress(home PartyRules, param string, a Address) (Address, error) {
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"street", &a.Street}, {"exterior", &a.Exterior}, {"interior", &a.Interior}, {"neighborhood", &a.Neighborhood},
		{"city", &a.City}, {"municipality", &a.Municipality}, {"state", &a.State},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if err := maxLen(param+"."+f.name, *f.v, maxAddressField); err != nil {
			return a, err
		}
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Zip = strings.ToUpper(strings.TrimSpace(a.Zip))
	alpha3, alpha2, people := home.HomeCountry()
	if a.Country == "" {
		a.Country = alpha3
	}
	if err := matches(countryPattern, param+".country", a.Country, "an ISO 3166 alpha-2 or alpha-3 country code"); err != nil {
		return a, err
	}
	if a.Zip == "" {
		return a, nil
	}
	if a.Country == alpha3 || a.Country == alpha2 {
		return a, matches(homeZipPattern, param+".zip", a.Zip, "a "+people+" postal code (5 digits)")
	}
	return a, matches(zipPattern, param+".zip", a.Zip, "a postal code")
}

// Update decides a change to the client. A patch that changes nothing
// decides no events, so repeating a PATCH is harmless.
func (c *Client) Update(p ClientPatch) ([]events.Draft, error) {
	if !c.Exists() {
		return nil, notFound("client", c.ID)
	}
	next := c.ClientInput
	next.applyPatch(p)
	next, err := normalizeClient(RulesFor(c.Jurisdiction), next)
	if err != nil {
		return nil, err
	}
	next.Metadata = copyMetadata(next.Metadata)
	if sameJSON(c.ClientInput, next) {
		return nil, nil
	}
	return one(events.ClientUpdated, clientData{ClientInput: next, Jurisdiction: c.Jurisdiction}), nil
}

func (in *ClientInput) applyPatch(p ClientPatch) {
	setIf(&in.LegalName, p.LegalName)
	setIf(&in.TaxID, p.TaxID)
	setIf(&in.TaxSystem, p.TaxSystem)
	setIf(&in.Email, p.Email)
	setIf(&in.Phone, p.Phone)
	setIf(&in.Address, p.Address)
	if p.Metadata != nil {
		in.Metadata = copyMetadata(p.Metadata)
	}
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Delete decides the deletion of the client. Invoices keep their snapshot of
// the client, so deleting never changes an existing invoice.
func (c *Client) Delete() ([]events.Draft, error) {
	if !c.Exists() {
		return nil, notFound("client", c.ID)
	}
	return one(events.ClientDeleted, Empty{}), nil
}

// Exists reports whether the stream has events and the client is not deleted.
func (c *Client) Exists() bool { return c.Version > 0 && !c.Deleted }

// Apply folds one event into the client.
func (c *Client) Apply(e events.Event) error {
	switch e.Type {
	case events.ClientCreated, events.ClientUpdated:
		var d clientData
		if err := decodeInto("client", e, &d); err != nil {
			return err
		}
		c.ClientInput, c.Jurisdiction = d.ClientInput, d.Jurisdiction
	case events.ClientDeleted:
		c.Deleted = true
	default:
		return unknownEvent("client", e)
	}
	c.stamp(e)
	return nil
}

// FoldClient folds a client stream. An empty history gives a client whose
// Exists is false.
func FoldClient(history []events.Event) (*Client, error) { return fold[Client](history) }

// View is the public JSON of the client.
func (c *Client) View() ClientView {
	return ClientView{
		ID: c.ID, Object: "client", Livemode: c.Livemode,
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt),
		LegalName: c.LegalName, TaxID: c.TaxID, TaxSystem: c.TaxSystem,
		Email: c.Email, Phone: c.Phone, Address: c.Address,
		Metadata: copyMetadata(c.Metadata), Deleted: c.Deleted,
	}
}
