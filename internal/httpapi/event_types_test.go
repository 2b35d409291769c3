package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/webhooks"
)

// catalogue fills a registry the way the composition root does (this
// package cannot import internal/app) and makes it the process's.
func catalogue(t *testing.T) {
	t.Helper()
	r := events.NewRegistry()
	for _, register := range []func(*events.Registry) error{accounts.RegisterEvents, invoicing.RegisterEvents, webhooks.RegisterEvents} {
		if err := register(r); err != nil {
			t.Fatal(err)
		}
	}
	old := events.Catalogue
	events.Catalogue = r
	t.Cleanup(func() { events.Catalogue = old })
}

// Every type of the catalogue names its object and gives the JSON Schema
// of data.object, whose $defs are the OpenAPI document's components.
func TestEventTypesGiveTheObjectSchema(t *testing.T) {
	catalogue(t)
	list, err := eventTypeViews()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(events.Types()) || len(list) == 0 {
		t.Fatalf("%d entries for %d types", len(list), len(events.Types()))
	}
	doc := servedOpenAPI(t)
	want := map[string]string{"invoice.paid": "Invoice", "client.deleted": "Client", "key.rotated": "Key",
		"webhook_endpoint.deleted": "Endpoint", "user.created": "User", "organization.api_disabled": "Organization",
		"series.updated": "Series", "receipt.invoiced": "Receipt", "retention.issued": "Retention", "product.created": "Product"}
	for _, et := range list {
		var s struct {
			Ref  string                     `json:"$ref"`
			Defs map[string]json.RawMessage `json:"$defs"`
		}
		if err := json.Unmarshal(et.Schema, &s); err != nil {
			t.Fatalf("%s: %v", et.Name, err)
		}
		name := strings.TrimPrefix(s.Ref, "#/$defs/")
		if et.Object != events.ObjectName(et.Name) || s.Defs[name] == nil {
			t.Errorf("%s: object %q, $ref %q", et.Name, et.Object, s.Ref)
		}
		if w, ok := want[et.Name]; ok && w != name {
			t.Errorf("%s: schema %s, want %s", et.Name, name, w)
		}
		for def, raw := range s.Defs {
			if strings.Contains(string(raw), "#/components/") {
				t.Errorf("%s: $defs/%s refers outside the schema", et.Name, def)
			}
			c, ok := doc.Components.Schemas[def]
			if !ok {
				continue
			}
			served, _ := json.Marshal(c)
			var a, b any
			_ = json.Unmarshal([]byte(strings.ReplaceAll(string(served), "#/components/schemas/", "#/$defs/")), &a)
			_ = json.Unmarshal(raw, &b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: $defs/%s differs from the document's component", et.Name, def)
			}
		}
	}
}
