package events

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Schema evolution. Every event is stored with the schema version its type
// had when it was written. When a type's data shape changes, its version goes
// up and an Upcaster converts the older shape on read, so new code only ever
// sees the current shape and stored events are never rewritten.

// Upcaster turns data of schema version From into version From+1.
type Upcaster struct {
	Type string
	From int
	Fn   func(data json.RawMessage) (json.RawMessage, error)
}

var (
	upcastMu  sync.RWMutex
	upcasters = map[string]map[int]Upcaster{} // type → from version → upcaster
)

// RegisterUpcaster adds an upcaster; domain packages call it from init.
func RegisterUpcaster(u Upcaster) {
	upcastMu.Lock()
	defer upcastMu.Unlock()
	if upcasters[u.Type] == nil {
		upcasters[u.Type] = map[int]Upcaster{}
	}
	upcasters[u.Type][u.From] = u
}

// CurrentSchema is the schema version new events of type t are written with:
// one more than the highest registered upcaster's source version.
func CurrentSchema(t string) int {
	upcastMu.RLock()
	defer upcastMu.RUnlock()
	v := 1
	for from := range upcasters[t] {
		if from+1 > v {
			v = from + 1
		}
	}
	return v
}

// Upcast brings e's data to the current schema of its type, in place.
func Upcast(e *Event) error {
	if e.SchemaVersion == 0 {
		e.SchemaVersion = 1
	}
	upcastMu.RLock()
	chain := upcasters[e.Type]
	upcastMu.RUnlock()
	for {
		u, ok := chain[e.SchemaVersion]
		if !ok {
			return nil
		}
		data, err := u.Fn(e.Data)
		if err != nil {
			return fmt.Errorf("upcast %s %s from v%d: %w", e.Type, e.ID, e.SchemaVersion, err)
		}
		e.Data = data
		e.SchemaVersion++
	}
}
