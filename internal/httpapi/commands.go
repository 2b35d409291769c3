package httpapi

import (
	"net/http"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
)

// meta is the metadata every event appended for r carries.
func meta(r *http.Request) events.Metadata {
	p := principal(r.Context())
	src := "api"
	if p.Auth == AuthOperator {
		src = "operator"
	}
	m := events.Metadata{RequestID: RequestID(r.Context()), KeyID: p.KeyID, UserID: p.UserID, Source: src}
	if p.IP.IsValid() {
		m.IP = p.IP.String()
	}
	return m
}

// commandMeta is what a command run for r is given: the events' metadata,
// the request's idempotency claim (nil without one) and the time.
func (s *Server) commandMeta(r *http.Request, claim *command.Claim) command.Meta {
	return command.Meta{Metadata: meta(r), Claim: claim, Now: s.Now()}
}

// orgStream names a stream of the request's tenant.
func orgStream(r *http.Request, streamID string) events.Stream {
	t := tenant(r)
	return events.Stream{ID: streamID, OrgID: t.OrgID, Livemode: t.Livemode}
}

// accountStream names a stream outside the test/live split: users,
// organizations and user keys are recorded as live.
func accountStream(streamID, orgID string) events.Stream {
	return events.Stream{ID: streamID, OrgID: orgID, Livemode: true}
}
