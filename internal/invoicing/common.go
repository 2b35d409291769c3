package invoicing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// Meta is the envelope part every aggregate shares. It is embedded, so its
// fields read as c.ID, c.Version, ...
type Meta struct {
	ID       string
	OrgID    string
	Livemode bool
	// Version is the stream version of the last applied event; 0 means the
	// stream is empty (the aggregate does not exist).
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// stamp records the envelope of e; the first event fixes identity and
// creation time.
func (m *Meta) stamp(e events.Event) {
	if m.Version == 0 {
		m.ID, m.OrgID, m.Livemode = e.StreamID, e.OrgID, e.Livemode
		m.CreatedAt = e.CreatedAt.UTC()
	}
	m.Version = e.StreamVersion
	m.UpdatedAt = e.CreatedAt.UTC()
}

// applier is what every aggregate state implements.
type applier interface {
	Apply(e events.Event) error
}

// fold applies history in order to a new state.
func fold[T any, P interface {
	*T
	applier
}](history []events.Event) (*T, error) {
	s := P(new(T))
	for _, e := range history {
		if err := s.Apply(e); err != nil {
			return nil, err
		}
	}
	return (*T)(s), nil
}

// unknownEvent is the error for an event type an aggregate does not know:
// a programming or data error, never the caller's fault.
func unknownEvent(kind string, e events.Event) error {
	return fmt.Errorf("%s %s: unknown event type %q at version %d", kind, e.StreamID, e.Type, e.StreamVersion)
}

// decodeInto decodes e's data and wraps failures with the aggregate kind.
func decodeInto(kind string, e events.Event, v any) error {
	if err := e.Decode(v); err != nil {
		return fmt.Errorf("%s %s: %w", kind, e.StreamID, err)
	}
	return nil
}

func draft(typ string, data any) events.Draft { return events.Draft{Type: typ, Data: data} }

func one(typ string, data any) []events.Draft { return []events.Draft{draft(typ, data)} }

// Empty is the data of events that carry nothing but their type.
type Empty struct{}

// utc formats t for views: RFC 3339 in UTC, or nil for the zero time so that
// an absent moment marshals as null.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func notFound(kind, id string) *facturo.Error { return facturo.NotFound(kind, id) }

func invalidState(format string, args ...any) *facturo.Error {
	return facturo.Errorf(facturo.CodeInvalidState, format, args...)
}

func invalid(param, format string, args ...any) *facturo.Error {
	return facturo.ParamError(facturo.CodeParameterInvalid, param, format, args...)
}

func missing(param string) *facturo.Error {
	return facturo.ParamError(facturo.CodeParameterMissing, param, "%s is required.", param)
}

// sameJSON reports whether a and b marshal alike: how decisions tell a
// change that changes nothing (decimals "1.0" and "1" marshal alike).
func sameJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// missingBecause is a parameter_missing error with a specific message.
func missingBecause(param, msg string) *facturo.Error {
	return facturo.ParamError(facturo.CodeParameterMissing, param, "%s", msg)
}
