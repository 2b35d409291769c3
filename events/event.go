// Package events defines the domain event: the one record of every change in
// Facturo. Events are appended to PostgreSQL (the source of truth and the
// outbox), relayed to NATS JetStream, folded by commands and projections, and
// delivered to webhook endpoints.
package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one stored domain event. Position and TxID are assigned by the
// store: Position is the global insertion order, TxID the PostgreSQL xid8 of
// the appending transaction. (TxID, Position) is the order in which the relay
// publishes, and so the order every consumer sees.
type Event struct {
	ID            string          `json:"id"`
	Position      int64           `json:"position"`
	TxID          uint64          `json:"tx_id"`
	OrgID         string          `json:"org_id"`
	Livemode      bool            `json:"livemode"`
	StreamID      string          `json:"stream_id"`
	StreamVersion int             `json:"stream_version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	Data          json.RawMessage `json:"data"`
	Metadata      Metadata        `json:"metadata"`
	CreatedAt     time.Time       `json:"created_at"`
}

// Metadata says who caused an event and why.
type Metadata struct {
	RequestID   string `json:"request_id,omitempty"`
	KeyID       string `json:"key_id,omitempty"`
	UserID      string `json:"user_id,omitempty"`
	CausationID string `json:"causation_id,omitempty"` // the event that led to this one, if any
	Source      string `json:"source,omitempty"`       // "api", "worker", "operator", "dashboard"
	IP          string `json:"ip,omitempty"`           // the client address of the request
}

// Draft is an event a command decided to append; the store fills in the rest.
type Draft struct {
	Type string
	Data any // marshalled to JSON
}

// Stream names the aggregate a command works on and the tenant it belongs to.
// User-level streams (users and their keys) have an empty OrgID.
type Stream struct {
	ID       string
	OrgID    string
	Livemode bool
}

// Decode unmarshals the event's data into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s %s (v%d): %w", e.Type, e.ID, e.SchemaVersion, err)
	}
	return nil
}

// Cursor is a point in the relay order. Consumers store the cursor of the last
// event they applied and skip anything at or before it, which makes
// redelivery and republishing harmless.
type Cursor struct {
	TxID     uint64 `json:"tx_id"`
	Position int64  `json:"position"`
}

// Cursor returns the event's place in the relay order.
func (e Event) Cursor() Cursor { return Cursor{TxID: e.TxID, Position: e.Position} }

// After reports whether c comes strictly after o in the relay order.
func (c Cursor) After(o Cursor) bool {
	if c.TxID != o.TxID {
		return c.TxID > o.TxID
	}
	return c.Position > o.Position
}

// String writes c as TXID:POSITION, the form ParseCursor reads (the id of
// an event in the event stream, the --after of a republish).
func (c Cursor) String() string {
	return strconv.FormatUint(c.TxID, 10) + ":" + strconv.FormatInt(c.Position, 10)
}

// ParseCursor reads a cursor written TXID:POSITION.
func ParseCursor(s string) (Cursor, error) {
	tx, pos, ok := strings.Cut(s, ":")
	var c Cursor
	var err1, err2 error
	c.TxID, err1 = strconv.ParseUint(tx, 10, 64)
	c.Position, err2 = strconv.ParseInt(pos, 10, 64)
	if !ok || err1 != nil || err2 != nil || c.Position < 0 {
		return Cursor{}, fmt.Errorf("want TXID:POSITION, e.g. 7731:1042")
	}
	return c, nil
}
