package events

import "sort"

// Event types. The catalogue below is closed: webhook endpoints may subscribe
// only to these (or "*"), and GET /v1/event_types lists them.
const (
	UserCreated = "user.created"

	OrganizationCreated  = "organization.created"
	OrganizationUpdated  = "organization.updated"
	OrganizationDisabled = "organization.api_disabled"
	OrganizationEnabled  = "organization.api_enabled"

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

var catalogue = map[string]string{}

// Register adds event types to the catalogue. Domain packages call it from
// init with the types they emit, so the catalogue is always complete.
func Register(types ...TypeInfo) {
	for _, t := range types {
		catalogue[t.Name] = t.Description
	}
}

func init() {
	Register(
		TypeInfo{UserCreated, "A user account was created by the operator."},
		TypeInfo{OrganizationCreated, "An organization was created."},
		TypeInfo{OrganizationUpdated, "An organization's profile changed."},
		TypeInfo{OrganizationDisabled, "The operator disabled API access for an organization."},
		TypeInfo{OrganizationEnabled, "The operator enabled API access for an organization again."},
		TypeInfo{KeyCreated, "An API key was created."},
		TypeInfo{KeyUpdated, "An API key's name, scopes, allowlist, expiry or enabled flag changed."},
		TypeInfo{KeyRotated, "An API key's secret was rotated; the old secret works until the grace period ends."},
		TypeInfo{KeyRevoked, "An API key was revoked and no longer authenticates."},
		TypeInfo{ClientCreated, "A client was created."},
		TypeInfo{ClientUpdated, "A client was updated."},
		TypeInfo{ClientDeleted, "A client was deleted."},
		TypeInfo{ProductCreated, "A product was created."},
		TypeInfo{ProductUpdated, "A product was updated."},
		TypeInfo{ProductDeleted, "A product was deleted."},
	)
}

// Known reports whether t is in the catalogue.
func Known(t string) bool {
	_, ok := catalogue[t]
	return ok
}

// Types lists the catalogue sorted by name.
func Types() []TypeInfo {
	out := make([]TypeInfo, 0, len(catalogue))
	for n, d := range catalogue {
		out = append(out, TypeInfo{Name: n, Description: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
