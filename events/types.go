package events

import (
	"fmt"
	"sort"
	"sync"
)

// Event types used across packages. The catalogue is closed: webhook
// endpoints may subscribe only to registered types (or "*"), and GET
// /v1/event_types lists them. Each type is registered, with its
// description, by the package whose aggregate emits it: users,
// organizations and keys by internal/accounts, clients and products by
// internal/invoicing.
const (
	UserCreated = "user.created"

	OrganizationCreated  = "organization.created"
	OrganizationUpdated  = "organization.updated"
	OrganizationDisabled = "organization.api_disabled"
	// OrganizationLogoUpdated carries the logo's digest; its bytes are kept
	// by that digest beside the event (postgres.LogoStore).
	OrganizationLogoUpdated = "organization.logo_updated"
	OrganizationEnabled     = "organization.api_enabled"

	KeyCreated = "key.created"
	KeyUpdated = "key.updated"
	KeyRotated = "key.rotated"
	KeyRevoked = "key.revoked"

	ClientCreated = "client.created"
	ClientUpdated = "client.updated"
	ClientDeleted = "client.deleted"

	ProductCreated = "product.created"
	ProductUpdated = "product.updated"
	ProductDeleted = "product.deleted"
)

// TypeInfo describes one event type of the catalogue.
type TypeInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Registry is a catalogue of event types. Each domain package lists the
// types it emits next to its aggregates and registers them with its
// RegisterEvents; the composition root (internal/app) registers every
// package, once, in one place.
type Registry struct {
	mu      sync.RWMutex
	types   map[string]string
	objects map[string]ObjectKind // by name: what each type's events are about (view.go)
}

// NewRegistry returns an empty catalogue.
func NewRegistry() *Registry {
	return &Registry{types: map[string]string{}, objects: map[string]ObjectKind{}}
}

// Register adds event types. A type already registered (by this call or an
// earlier one) is an error, and then nothing is added: every type has one
// owner and one description.
func (r *Registry) Register(types ...TypeInfo) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.types == nil {
		r.types = map[string]string{}
	}
	seen := map[string]bool{}
	for _, t := range types {
		if t.Name == "" {
			return fmt.Errorf("event type without a name (%q)", t.Description)
		}
		if _, dup := r.types[t.Name]; dup || seen[t.Name] {
			return fmt.Errorf("event type %q registered twice", t.Name)
		}
		seen[t.Name] = true
	}
	for _, t := range types {
		r.types[t.Name] = t.Description
	}
	return nil
}

// Known reports whether t is in the catalogue.
func (r *Registry) Known(t string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.types[t]
	return ok
}

// Types lists the catalogue sorted by name.
func (r *Registry) Types() []TypeInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]TypeInfo, 0, len(r.types))
	for n, d := range r.types {
		out = append(out, TypeInfo{Name: n, Description: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Catalogue is the process's catalogue, which webhook endpoints validate
// their subscriptions against and GET /v1/event_types lists. It starts
// empty; the composition root fills it at start-up
// (app.RegisterEventTypes).
var Catalogue = NewRegistry()

// Known reports whether t is in the process's Catalogue.
func Known(t string) bool { return Catalogue.Known(t) }

// Types lists the process's Catalogue sorted by name.
func Types() []TypeInfo { return Catalogue.Types() }
