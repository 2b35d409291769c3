package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// EventFeed follows the relayed events of one tenant in relay order, from
// the first published at or after since (zero: the first published after
// it has subscribed), until ctx ends or fn fails. It calls ready once
// subscribed, before any fn; an error of ready ends it. The API feeds the
// event stream from JetStream with it.
type EventFeed interface {
	Follow(ctx context.Context, t facturo.Tenant, since time.Time, ready func() error, fn func(events.Event) error) error
}

// Event stream defaults (Deps.StreamHeartbeat, Deps.StreamsPerKey).
const (
	defaultStreamHeartbeat = 15 * time.Second
	defaultStreamsPerKey   = 5
	// resumeSlack starts a resumed stream this much before the last seen
	// event was written: JetStream's publish time is later than the
	// event's created_at, on clocks that may differ a little. Events at or
	// before the last seen cursor are skipped, so starting early is free.
	resumeSlack = 5 * time.Second
)

// The event stream (GET /v1/events/stream) answers server-sent events: one
// per event of the key's organization and mode, `id:` its relay cursor
// (TXID:POSITION), `event:` its type, `data:` the same JSON as GET
// /v1/events/{id}. The 200 is sent once the feed is subscribed, so every
// event written after a client sees it is in the stream. A client that
// reconnects with Last-Event-ID gets what it missed, then the live events.
// Comment lines keep the connection alive; each key holds at most
// StreamsPerKey streams in one process.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) error {
	if s.Feed == nil {
		return facturo.Errorf(facturo.CodeServiceUnavailable, "The event stream is not available on this server.")
	}
	t := tenant(r)
	var since time.Time // from the subscription on
	var last events.Cursor
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		var err error
		if last, since, err = s.resumePoint(r.Context(), t, h); err != nil {
			return err
		}
	}
	release, err := s.streams.acquire(principal(r.Context()).KeyID, s.streamsPerKey())
	if err != nil {
		return err
	}
	defer release()
	rc := http.NewResponseController(w)
	// The server's write timeout bounds ordinary answers, not this one.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return fmt.Errorf("event stream: %w", err)
	}
	sse := &sseWriter{w: w, rc: rc}
	started := false
	err = s.followTenant(r.Context(), t, since, last, sse, func() error {
		started = true
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // proxies: do not buffer
		w.WriteHeader(http.StatusOK)
		return sse.comment("stream of " + t.OrgID + " " + t.Mode())
	})
	if !started {
		return err // nothing written yet: the error envelope
	}
	if err != nil && r.Context().Err() == nil {
		s.log.WarnContext(r.Context(), "event stream ended", "err", err, "org", t.OrgID)
	}
	return nil
}

// resumePoint reads Last-Event-ID: the cursor of an event of this tenant,
// and when the stream should start for it.
func (s *Server) resumePoint(ctx context.Context, t facturo.Tenant, h string) (events.Cursor, time.Time, error) {
	c, err := events.ParseCursor(h)
	if err != nil {
		return c, time.Time{}, &facturo.Error{Code: facturo.CodeParameterInvalid, Param: "Last-Event-ID",
			Message: fmt.Sprintf("Last-Event-ID '%s' is not an event stream id: %v.", shown(h), err)}
	}
	e, err := s.Store.EventAtCursor(ctx, t, c)
	var appErr *facturo.Error
	if errors.As(err, &appErr) && appErr.Code == facturo.CodeNotFound {
		return c, time.Time{}, &facturo.Error{Code: facturo.CodeParameterInvalid, Param: "Last-Event-ID",
			Message: fmt.Sprintf("Last-Event-ID '%s' names no event of this organization and mode.", shown(h))}
	}
	if err != nil {
		return c, time.Time{}, err
	}
	return c, e.CreatedAt.Add(-resumeSlack), nil
}

// followTenant subscribes, calls start, then writes the tenant's events
// after last until the client goes away, the server shuts down or
// writing fails, with a heartbeat when it is quiet.
func (s *Server) followTenant(ctx context.Context, t facturo.Tenant, since time.Time, last events.Cursor, sse *sseWriter, start func() error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer context.AfterFunc(s.streamsDone, cancel)()
	// The heartbeat must have stopped writing before the handler returns
	// (the response is not ours after that).
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	ready := func() error {
		if err := start(); err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.heartbeat(ctx, sse, cancel)
		}()
		return nil
	}
	err := s.Feed.Follow(ctx, t, since, ready, func(e events.Event) error {
		if !e.Cursor().After(last) {
			return nil // seen before the reconnect, or republished
		}
		history, err := s.Store.LoadUpTo(ctx, e)
		if err != nil {
			return err
		}
		body, err := events.Body(history)
		if err != nil {
			return err
		}
		last = e.Cursor()
		return sse.event(last.String(), e.Type, body)
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// heartbeat writes a comment line whenever the stream was quiet for the
// heartbeat interval; a failed write ends the stream.
func (s *Server) heartbeat(ctx context.Context, sse *sseWriter, cancel context.CancelFunc) {
	beat := s.StreamHeartbeat
	if beat <= 0 {
		beat = defaultStreamHeartbeat
	}
	tick := time.NewTicker(beat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if sse.comment("heartbeat") != nil {
				cancel()
				return
			}
		}
	}
}

func (s *Server) streamsPerKey() int {
	if s.StreamsPerKey > 0 {
		return s.StreamsPerKey
	}
	return defaultStreamsPerKey
}

// sseWriter writes server-sent events; the heartbeat and the events come
// from two goroutines.
type sseWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *sseWriter) event(id, typ string, data []byte) error {
	// A JSON body holds no newline (events.Body is compact); were one
	// there, each line would need its own data: field.
	return s.write("id: " + id + "\nevent: " + typ + "\ndata: " + strings.TrimSpace(string(data)) + "\n\n")
}

func (s *sseWriter) comment(text string) error { return s.write(": " + text + "\n\n") }

func (s *sseWriter) write(frame string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write([]byte(frame)); err != nil {
		return err
	}
	return s.rc.Flush()
}

// streamLimiter counts the open streams of each key in this process.
type streamLimiter struct {
	mu   sync.Mutex
	open map[string]int
}

func (l *streamLimiter) acquire(keyID string, limit int) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open == nil {
		l.open = map[string]int{}
	}
	if l.open[keyID] >= limit {
		return nil, facturo.Errorf(facturo.CodeTooManyStreams,
			"This key already has %d event streams open; close one first.", limit)
	}
	l.open[keyID]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.open[keyID]--; l.open[keyID] == 0 {
			delete(l.open, keyID)
		}
	}, nil
}
