package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/facturo/facturo/events"
)

// EventTypeView is one entry of GET /v1/event_types: a type of the
// catalogue, the kind of object its events carry in data.object, and the
// JSON Schema (2020-12) of that object, self-contained: a $ref to the
// object's schema among $defs, which are the components of the OpenAPI
// document (the same generator builds both), so subscribers can generate
// types from it.
type EventTypeView struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Object      string          `json:"object"`
	Schema      json.RawMessage `json:"schema"`
}

// eventTypeViews renders the catalogue of the process (events.Catalogue).
// The view type of each kind of object is what its fold of no events
// returns: the type GET of such an object answers.
func eventTypeViews() ([]EventTypeView, error) {
	schemas := map[string]json.RawMessage{} // by object kind
	var out []EventTypeView
	for _, t := range events.Types() {
		kind, ok := events.Catalogue.Object(t.Name)
		if !ok {
			return nil, fmt.Errorf("event type %s has no object kind", t.Name)
		}
		if schemas[kind.Name] == nil {
			view, _, err := kind.FoldView(nil)
			if err != nil {
				return nil, fmt.Errorf("view type of %s: %w", kind.Name, err)
			}
			if schemas[kind.Name], err = objectSchema(reflect.TypeOf(view)); err != nil {
				return nil, fmt.Errorf("schema of %s: %w", kind.Name, err)
			}
		}
		out = append(out, EventTypeView{Name: t.Name, Description: t.Description, Object: kind.Name, Schema: schemas[kind.Name]})
	}
	return out, nil
}

// objectSchema is the schema of a response of type t with every component
// it refers to under $defs.
func objectSchema(t reflect.Type) (json.RawMessage, error) {
	g := newSchemaGen()
	ref := g.response(t)
	doc := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref.Ref, "$defs": g.components}
	if ref.Ref == "" {
		return nil, fmt.Errorf("%s is not a named object", t)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return []byte(strings.ReplaceAll(string(b), `"#/components/schemas/`, `"#/$defs/`)), nil
}

// eventTypes answers the catalogue.
func (s *Server) eventTypes(w http.ResponseWriter, r *http.Request) error {
	list, err := eventTypeViews()
	if err != nil {
		return err
	}
	return writeList(w, r, list, false)
}
