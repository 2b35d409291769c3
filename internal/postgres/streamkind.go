package postgres

import (
	"fmt"
	"maps"
	"strings"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
)

// streamPrefixes maps the object of every stored event type (event types
// are named "<object>.<verb>") to the id prefix of the streams it belongs
// to, taken from the object kinds each domain package declares.
var streamPrefixes = func() map[string]string {
	m := maps.Clone(accounts.Objects)
	for _, o := range invoicing.Objects {
		m[o.Name] = o.Prefix
	}
	m[command.EndpointKind.Name] = command.EndpointKind.Prefix
	return m
}()

// StreamPrefix returns the id prefix of the streams eventType may be
// appended to, and false for a type of no known object.
func StreamPrefix(eventType string) (string, bool) {
	object, _, ok := strings.Cut(eventType, ".")
	if !ok {
		return "", false
	}
	prefix, ok := streamPrefixes[object]
	return prefix, ok
}

// checkStreamKind refuses to append an event to a stream of another kind
// (key.updated to a client's stream): a command that let an id of the
// wrong kind through has a bug, so this is an internal error, and the
// transaction, which appends nothing, rolls back.
func checkStreamKind(st events.Stream, eventType string) error {
	prefix, ok := StreamPrefix(eventType)
	if !ok {
		return fmt.Errorf("append %s to %s: no stream kind is known for this event type", eventType, st.ID)
	}
	if !strings.HasPrefix(st.ID, prefix+"_") {
		return fmt.Errorf("append %s to %s: %s events belong to %s_ streams", eventType, st.ID, eventType, prefix)
	}
	return nil
}
