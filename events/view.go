package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventView is the public JSON of an event: what GET /v1/events/{id}
// answers and, byte for byte, what every webhook delivery of the event
// carries. Data.Object is the object the event is about, as GET of that
// object answered right after the event (see Registry.Render).
type EventView struct {
	ID            string    `json:"id"`
	Object        string    `json:"object"`
	Type          string    `json:"type"`
	Livemode      bool      `json:"livemode"`
	Organization  string    `json:"organization"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int       `json:"schema_version"`
	// Resource is the id of the object the event is about; Data.Object.id
	// is the same id.
	Resource string `json:"resource"`
	// ResourceVersion is the version of Resource's stream this event made:
	// 1 for its creation, one more for each event after. A receiver keeps
	// the highest it has seen per resource, discards anything older and
	// sees a gap when one is skipped.
	ResourceVersion int           `json:"resource_version"`
	Data            EventData     `json:"data"`
	Request         *EventRequest `json:"request"`
}

// EventData is the object of an event and, for a change, what it was.
type EventData struct {
	// Object is the object's public representation right after the event;
	// after a deletion, its last state with "deleted": true. Its schema is
	// the one GET /v1/event_types gives the event's type.
	Object json.RawMessage `json:"object"`
	// PreviousAttributes holds, for an event that changed an object that
	// existed before and still exists, the previous value of every
	// top-level field whose value changed (null when the field was absent).
	// It is left out of creations and deletions. A pointer, so that a
	// change of no visible field is an empty object, not absent.
	PreviousAttributes *map[string]json.RawMessage `json:"previous_attributes,omitempty"`
}

// EventRequest is the API request that caused an event.
type EventRequest struct {
	ID    string `json:"id"`
	KeyID string `json:"key_id,omitempty"`
}

// ObjectKind is one kind of object that events are about: its name, which
// prefixes the types of its events ("invoice" in "invoice.issued"), and
// how its stream folds into its public view.
type ObjectKind struct {
	Name string
	// FoldView folds a stream and returns the object's view and whether
	// it exists (false after a deletion).
	FoldView func(history []Event) (view any, exists bool, err error)
}

// ObjectOf describes the kind name whose streams fold with fold.
func ObjectOf[A interface {
	Exists() bool
	View() V
}, V any](name string, fold func([]Event) (A, error)) ObjectKind {
	return ObjectKind{Name: name, FoldView: func(h []Event) (any, bool, error) {
		a, err := fold(h)
		if err != nil {
			return nil, false, err
		}
		return a.View(), a.Exists(), nil
	}}
}

// ObjectName is the object kind an event type is about: "invoice" for
// "invoice.issued".
func ObjectName(eventType string) string {
	name, _, _ := strings.Cut(eventType, ".")
	return name
}

// RegisterObjects adds object kinds. A kind already registered is an
// error, and then nothing is added.
func (r *Registry) RegisterObjects(kinds ...ObjectKind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.objects == nil {
		r.objects = map[string]ObjectKind{}
	}
	seen := map[string]bool{}
	for _, k := range kinds {
		if k.Name == "" || k.FoldView == nil {
			return fmt.Errorf("object kind %q without a name or a fold", k.Name)
		}
		if _, dup := r.objects[k.Name]; dup || seen[k.Name] {
			return fmt.Errorf("object kind %q registered twice", k.Name)
		}
		seen[k.Name] = true
	}
	for _, k := range kinds {
		r.objects[k.Name] = k
	}
	return nil
}

// Object returns the object kind events of type t are about.
func (r *Registry) Object(t string) (ObjectKind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.objects[ObjectName(t)]
	return k, ok
}

// ErrRender marks an event that can never be rendered (its stream does
// not fold): retrying does not help.
var ErrRender = errors.New("event cannot be rendered")

// Render is the public view of the last event of history, which is that
// event's stream from its first version up to the event, upcast: the
// object folded up to the event, and (see EventData) what changed. It
// depends on the stored events alone, so the events API and every webhook
// delivery, whenever rendered, show the same bytes (Body).
func (r *Registry) Render(history []Event) (EventView, error) {
	if len(history) == 0 {
		return EventView{}, fmt.Errorf("%w: no event", ErrRender)
	}
	e := history[len(history)-1]
	v := EventView{ID: e.ID, Object: "event", Type: e.Type, Livemode: e.Livemode, Organization: e.OrgID,
		CreatedAt: e.CreatedAt.UTC(), SchemaVersion: e.SchemaVersion, Resource: e.StreamID, ResourceVersion: e.StreamVersion}
	if e.Metadata.RequestID != "" {
		v.Request = &EventRequest{ID: e.Metadata.RequestID, KeyID: e.Metadata.KeyID}
	}
	kind, ok := r.Object(e.Type)
	if !ok { // a type outside the catalogue (none is): its own public data
		v.Data.Object = PublicData(e)
		return v, nil
	}
	if err := r.renderObject(&v, kind, history); err != nil {
		return EventView{}, fmt.Errorf("render %s: %w: %w", e.ID, ErrRender, err)
	}
	return v, nil
}

// renderObject sets v's data: the object folded up to the last event of
// history and, for a change of an existing object, what it was.
func (r *Registry) renderObject(v *EventView, kind ObjectKind, history []Event) error {
	for i, h := range history {
		if h.StreamID != v.Resource || h.StreamVersion != i+1 {
			return fmt.Errorf("history is not the stream %s from version 1", v.Resource)
		}
	}
	obj, exists, err := foldObject(kind, history)
	if err != nil {
		return err
	}
	v.Data.Object = obj
	if !exists || len(history) == 1 {
		return nil
	}
	prev, existed, err := foldObject(kind, history[:len(history)-1])
	if err != nil || !existed {
		return err
	}
	v.Data.PreviousAttributes, err = changed(prev, obj)
	return err
}

// Body is Render encoded: the bytes of the events API and of webhooks.
func (r *Registry) Body(history []Event) ([]byte, error) {
	v, err := r.Render(history)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// foldObject folds history into the object's JSON; a deleted object is
// its last state with "deleted": true.
func foldObject(k ObjectKind, history []Event) (json.RawMessage, bool, error) {
	view, exists, err := k.FoldView(history)
	if err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(view)
	if err != nil {
		return nil, false, fmt.Errorf("encode %s: %w", k.Name, err)
	}
	if exists {
		return b, true, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, false, fmt.Errorf("%s view is not an object: %w", k.Name, err)
	}
	if string(fields["deleted"]) != "true" {
		b = append(bytes.TrimSuffix(bytes.TrimRight(b, " \n"), []byte("}")), []byte(`,"deleted":true}`)...)
	}
	return b, false, nil
}

// changed lists the previous value of each top-level field of prev whose
// value differs in cur, and null for each field cur added.
func changed(prev, cur json.RawMessage) (*map[string]json.RawMessage, error) {
	var before, after map[string]json.RawMessage
	if err := json.Unmarshal(prev, &before); err != nil {
		return nil, fmt.Errorf("previous view: %w", err)
	}
	if err := json.Unmarshal(cur, &after); err != nil {
		return nil, fmt.Errorf("view: %w", err)
	}
	out := map[string]json.RawMessage{}
	for k, was := range before {
		if now, ok := after[k]; !ok || !bytes.Equal(now, was) {
			out[k] = was
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			out[k] = json.RawMessage("null")
		}
	}
	return &out, nil
}

// Render renders with the process's Catalogue.
func Render(history []Event) (EventView, error) { return Catalogue.Render(history) }

// Body renders with the process's Catalogue.
func Body(history []Event) ([]byte, error) { return Catalogue.Body(history) }
