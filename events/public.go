package events

import (
	"encoding/json"
	"strings"
)

// PrivatePrefix marks data fields that never leave the system: key hashes,
// webhook signing secrets. They are in the event so that every read model,
// inline or not, can be rebuilt from the events alone.
const PrivatePrefix = "secret_"

// PublicData returns the event's data without private fields: what the
// events API and webhooks show.
func PublicData(e Event) json.RawMessage {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &fields); err != nil {
		return e.Data // not an object: nothing to strip
	}
	stripped := false
	for k := range fields {
		if strings.HasPrefix(k, PrivatePrefix) {
			delete(fields, k)
			stripped = true
		}
	}
	if !stripped {
		return e.Data
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return out
}
