// Package accounts holds the account aggregates: users (created by the
// operator), organizations (created by users) and API keys (user secret keys
// and organization test/live keys). Like every aggregate, each is folded from
// its event stream and decides new events; storage is elsewhere.
package accounts

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
)

// Events are the event types of users, organizations and keys (their names
// are constants of package events, which authentication uses too).
var Events = []events.TypeInfo{
	{Name: events.UserCreated, Description: "A user account was created by the operator."},
	{Name: events.OrganizationCreated, Description: "An organization was created."},
	{Name: events.OrganizationUpdated, Description: "An organization's profile changed."},
	{Name: events.OrganizationLogoUpdated, Description: "An organization uploaded a new logo for its documents."},
	{Name: events.OrganizationDisabled, Description: "The operator disabled API access for an organization."},
	{Name: events.OrganizationEnabled, Description: "The operator enabled API access for an organization again."},
	{Name: events.KeyCreated, Description: "An API key was created."},
	{Name: events.KeyUpdated, Description: "An API key's name, scopes, allowlist, expiry or enabled flag changed."},
	{Name: events.KeyRotated, Description: "An API key's secret was rotated; the old secret works until the grace period ends."},
	{Name: events.KeyRevoked, Description: "An API key was revoked and no longer authenticates."},
}

// RegisterEvents adds Events to r, with the objects they are about: a
// user (without its key), an organization, a key (without its secret).
func RegisterEvents(r *events.Registry) error {
	if err := r.Register(Events...); err != nil {
		return err
	}
	return r.RegisterObjects(
		events.ObjectOf[*User, UserView]("user", FoldUser),
		events.ObjectOf[*Organization, OrganizationView]("organization", FoldOrganization),
		events.ObjectOf[*APIKey, KeyView]("key", FoldAPIKey),
	)
}

// Objects maps the object of each account event type ("key" in
// "key.rotated") to the id prefix of the streams those events belong to.
var Objects = map[string]string{"user": id.User, "organization": id.Organization, "key": id.Key}

// User is a person with an account; its secret key manages organizations.
type User struct {
	ID        string
	Email     string
	Name      string
	CreatedAt time.Time
	Version   int
}

// Exists reports whether the stream had any event.
func (u *User) Exists() bool { return u.Version > 0 }

// UserInput creates a user.
type UserInput struct {
	Email string `json:"email" facturo:"required;format=email;max=254"`
	Name  string `json:"name" facturo:"required;max=200"`
}

// UserCreated is the data of user.created.
type UserCreated struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// NewUser validates the input and decides user.created.
func NewUser(in UserInput) ([]events.Draft, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" {
		return nil, facturo.ParamError(facturo.CodeParameterMissing, "email", "email is required.")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, facturo.ParamError(facturo.CodeParameterInvalid, "email", "email is not a valid address.")
	}
	name, err := requiredText("name", in.Name, 200)
	if err != nil {
		return nil, err
	}
	return []events.Draft{{Type: events.UserCreated, Data: UserCreated{Email: email, Name: name}}}, nil
}

// FoldUser folds a user stream.
func FoldUser(history []events.Event) (*User, error) {
	u := &User{}
	for _, e := range history {
		if e.Type == events.UserCreated {
			var d UserCreated
			if err := e.Decode(&d); err != nil {
				return nil, err
			}
			u.ID, u.Email, u.Name, u.CreatedAt = e.StreamID, d.Email, d.Name, e.CreatedAt
		}
		u.Version = e.StreamVersion
	}
	return u, nil
}

// UserView is the public JSON of a user.
type UserView struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// View returns the public representation.
func (u *User) View() UserView {
	return UserView{ID: u.ID, Object: "user", Email: u.Email, Name: u.Name, CreatedAt: u.CreatedAt}
}

func requiredText(param, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", facturo.ParamError(facturo.CodeParameterMissing, param, "%s is required.", param)
	}
	return optionalText(param, s, max)
}

func optionalText(param, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		return "", facturo.ParamError(facturo.CodeParameterInvalid, param, "%s must be at most %d characters.", param, max)
	}
	return s, nil
}
