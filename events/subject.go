package events

import (
	"fmt"
	"strings"
)

// JetStream naming. Subjects carry mode, organization and type so that a
// subscriber can filter with wildcards, e.g. "events.live.org_123.>" or
// "events.*.*.invoice.>".
const (
	StreamName    = "EVENTS"
	SubjectPrefix = "events"
	// NoOrg stands in the subject for events outside any organization
	// (users and their keys).
	NoOrg = "_"

	HeaderPosition = "Facturo-Position"
	HeaderTxID     = "Facturo-Tx"
)

// Subject is the JetStream subject an event is published on:
// events.<live|test>.<org>.<type>.
func Subject(e Event) string {
	org := e.OrgID
	if org == "" {
		org = NoOrg
	}
	mode := "test"
	if e.Livemode {
		mode = "live"
	}
	return fmt.Sprintf("%s.%s.%s.%s", SubjectPrefix, mode, org, e.Type)
}

// FilterSubject builds a subscription filter; empty arguments match anything.
func FilterSubject(mode, org, typ string) string {
	if mode == "" {
		mode = "*"
	}
	if org == "" {
		org = "*"
	}
	if typ == "" {
		return strings.Join([]string{SubjectPrefix, mode, org, ">"}, ".")
	}
	return strings.Join([]string{SubjectPrefix, mode, org, typ}, ".")
}
