package invoicing

import (
	"strings"
	"testing"

	"github.com/facturo/facturo"
)

func validClient() ClientInput {
	return ClientInput{LegalName: " Acme ", TaxID: "aaa010101aaa", Email: "a@acme.mx",
		Address: Address{Zip: "06600"}}
}

func newClientStream(t *testing.T) *stream {
	s := &stream{id: "cli_1"}
	d, err := NewClient(validClient())
	s.must(t, d, err)
	return s
}

func TestNewClient(t *testing.T) {
	s := newClientStream(t)
	c, err := FoldClient(s.history)
	if err != nil {
		t.Fatal(err)
	}
	v := c.View()
	if v.LegalName != "Acme" || v.TaxID != "AAA010101AAA" || v.Address.Country != "MEX" || v.Object != "client" || v.ID != "cli_1" {
		t.Errorf("view = %+v", v)
	}
	if !c.Exists() || c.Version != 1 || v.Metadata == nil {
		t.Errorf("exists=%v version=%d metadata=%v", c.Exists(), c.Version, v.Metadata)
	}
}

func TestNewClientInvalid(t *testing.T) {
	long := make(map[string]string)
	for i := range 51 {
		long[string(rune('a'+i%26))+string(rune('a'+i/26))] = "x"
	}
	tests := []struct {
		name  string
		edit  func(*ClientInput)
		code  string
		param string
	}{
		{"no legal name", func(c *ClientInput) { c.LegalName = " " }, facturo.CodeParameterMissing, "legal_name"},
		{"no tax id", func(c *ClientInput) { c.TaxID = "" }, facturo.CodeParameterMissing, "tax_id"},
		{"short tax id", func(c *ClientInput) { c.TaxID = "ABC" }, facturo.CodeParameterInvalid, "tax_id"},
		{"bad tax id char", func(c *ClientInput) { c.TaxID = "AAA010101-AA" }, facturo.CodeParameterInvalid, "tax_id"},
		{"bad email", func(c *ClientInput) { c.Email = "nope" }, facturo.CodeParameterInvalid, "email"},
		{"named email", func(c *ClientInput) { c.Email = "A <a@b.mx>" }, facturo.CodeParameterInvalid, "email"},
		{"bad country", func(c *ClientInput) { c.Address.Country = "MEXICO" }, facturo.CodeParameterInvalid, "address.country"},
		{"bad mx zip", func(c *ClientInput) { c.Address.Zip = "1234" }, facturo.CodeParameterInvalid, "address.zip"},
		{"bad tax system", func(c *ClientInput) { c.TaxSystem = "6011" }, facturo.CodeParameterInvalid, "tax_system"},
		{"too many metadata keys", func(c *ClientInput) { c.Metadata = long }, facturo.CodeParameterInvalid, "metadata"},
		{"long metadata key", func(c *ClientInput) {
			c.Metadata = map[string]string{"k234567890123456789012345678901234567890x": "v"}
		}, facturo.CodeParameterInvalid, "metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validClient()
			tt.edit(&in)
			d, err := NewClient(in)
			wantCode(t, d, err, tt.code, tt.param)
		})
	}
}

func TestClientTaxIDWithEnye(t *testing.T) {
	in := validClient()
	in.TaxID = "ñañ010101aaa"
	if _, err := NewClient(in); err != nil {
		t.Fatal(err)
	}
}

func TestClientUpdate(t *testing.T) {
	s := newClientStream(t)
	c, _ := FoldClient(s.history)
	d, err := c.Update(ClientPatch{Email: ptr("b@acme.mx"), Metadata: map[string]string{"k": "v"}})
	s.must(t, d, err)
	c, _ = FoldClient(s.history)
	if c.Email != "b@acme.mx" || c.Metadata["k"] != "v" || c.LegalName != "Acme" || c.Version != 2 {
		t.Errorf("after update: %+v", c)
	}
	if !c.UpdatedAt.After(c.CreatedAt) {
		t.Errorf("updated_at %v not after created_at %v", c.UpdatedAt, c.CreatedAt)
	}
	// The same patch again changes nothing and decides nothing.
	d, err = c.Update(ClientPatch{Email: ptr("b@acme.mx")})
	if err != nil || len(d) != 0 {
		t.Errorf("no-op update: %d drafts, err %v", len(d), err)
	}
	d, err = c.Update(ClientPatch{TaxID: ptr("x")})
	wantCode(t, d, err, facturo.CodeParameterInvalid, "tax_id")
}

func TestClientDelete(t *testing.T) {
	s := newClientStream(t)
	c, _ := FoldClient(s.history)
	d, err := c.Delete()
	s.must(t, d, err)
	c, _ = FoldClient(s.history)
	if c.Exists() || !c.View().Deleted {
		t.Fatalf("deleted client still exists")
	}
	d, err = c.Delete()
	wantCode(t, d, err, facturo.CodeNotFound, "")
	d, err = c.Update(ClientPatch{LegalName: ptr("x")})
	wantCode(t, d, err, facturo.CodeNotFound, "")
}

func TestFoldClientEmpty(t *testing.T) {
	c, err := FoldClient(nil)
	if err != nil || c.Exists() {
		t.Fatalf("empty fold: %v exists=%v", err, c.Exists())
	}
}

// Every free-text field of a client is bounded, and an error never repeats
// more than a short prefix of what was sent.
func TestClientTextIsBounded(t *testing.T) {
	huge := strings.Repeat("x", 900_000)
	for _, c := range []struct {
		param string
		set   func(*ClientInput)
	}{
		{"address.street", func(in *ClientInput) { in.Address.Street = huge }},
		{"address.exterior", func(in *ClientInput) { in.Address.Exterior = huge }},
		{"address.interior", func(in *ClientInput) { in.Address.Interior = huge }},
		{"address.neighborhood", func(in *ClientInput) { in.Address.Neighborhood = huge }},
		{"address.city", func(in *ClientInput) { in.Address.City = huge }},
		{"address.municipality", func(in *ClientInput) { in.Address.Municipality = huge }},
		{"address.state", func(in *ClientInput) { in.Address.State = huge }},
		{"email", func(in *ClientInput) { in.Email = huge + "@acme.mx" }},
		{"email", func(in *ClientInput) { in.Email = "not an address " + huge }},
		{"tax_id", func(in *ClientInput) { in.TaxID = huge }},
		{"address.zip", func(in *ClientInput) { in.Address.Zip = huge }},
	} {
		in := validClient()
		c.set(&in)
		d, err := NewClient(in)
		wantCode(t, d, err, facturo.CodeParameterInvalid, c.param)
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%s: the error repeats %d bytes", c.param, len(err.Error()))
		}
	}
	in := validClient()
	in.Address.Street = strings.Repeat("é", maxAddressField)
	if _, err := NewClient(in); err != nil {
		t.Errorf("a street of %d characters: %v", maxAddressField, err)
	}
}
