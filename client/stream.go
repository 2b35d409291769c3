package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// StreamedEvent is one event of Events.Stream.
type StreamedEvent struct {
	// ID is the event's place in the stream (TXID:POSITION): give it as
	// StreamParams.LastEventID to resume after this event.
	ID string
	// Raw is the event's JSON as sent: the same bytes as GET
	// /v1/events/{id} and a webhook body.
	Raw   json.RawMessage
	Event Event
}

// StreamParams configures Events.Stream.
type StreamParams struct {
	// LastEventID resumes after this event ("" starts with the next event
	// written).
	LastEventID string
	// OnConnect, when set, is called each time the API has accepted the
	// stream ((re)connected), with the id it resumes after.
	OnConnect func(lastEventID string)
}

// Stream follows the organization's events as they happen (GET
// /v1/events/stream, server-sent events) and calls fn with each, in
// order, until ctx ends (it returns nil), fn fails (its error) or the API
// refuses the stream (an *Error, e.g. too_many_streams). A dropped
// connection is reopened after the client's back-off, resuming after the
// last event fn received, so none is missed or repeated.
func (s *Events) Stream(ctx context.Context, p StreamParams, fn func(StreamedEvent) error) error {
	hc := *s.c.http
	hc.Timeout = 0 // the stream lasts; ctx bounds it
	last := p.LastEventID
	for attempt := 1; ; attempt++ {
		received, err := s.c.streamOnce(ctx, &hc, last, p.OnConnect, func(e StreamedEvent) error {
			last = e.ID
			return fn(e)
		})
		if ctx.Err() != nil {
			return nil
		}
		var fnErr callbackError
		if errors.As(err, &fnErr) {
			return fnErr.err
		}
		var apiErr *Error
		if errors.As(err, &apiErr) && !errors.As(err, new(retryable)) {
			return apiErr // refused: reconnecting would not help
		}
		if received {
			attempt = 1 // it was working: reconnect soon
		}
		if err := sleep(ctx, s.c.backOff(attempt)); err != nil {
			return nil
		}
	}
}

// callbackError marks the error of the caller's function, which ends the
// stream instead of reconnecting.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// streamOnce reads one connection of the stream until it ends; received
// reports whether any event arrived.
func (c *Client) streamOnce(ctx context.Context, hc *http.Client, last string, onConnect func(string), fn func(StreamedEvent) error) (received bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/events/stream", nil)
	if err != nil {
		return false, err
	}
	c.setHeaders(req, "", false)
	req.Header.Set("Accept", "text/event-stream")
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	res, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		if err := decodeAnswer(req, res, nil); err != nil {
			return false, err
		}
		return false, fmt.Errorf("facturo: event stream answered %s", res.Status)
	}
	if onConnect != nil {
		onConnect(last)
	}
	return readEvents(res.Body, fn)
}

// readEvents parses server-sent events: fields up to a blank line make an
// event; comment lines (heartbeats) are skipped.
func readEvents(r io.Reader, fn func(StreamedEvent) error) (received bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20) // an event carries its whole object
	var id string
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if data.Len() > 0 {
				e := StreamedEvent{ID: id, Raw: json.RawMessage(data.String())}
				if err := json.Unmarshal(e.Raw, &e.Event); err != nil {
					return received, fmt.Errorf("facturo: event %s: %w", id, err)
				}
				received = true
				if err := fn(e); err != nil {
					return received, callbackError{err}
				}
			}
			id = ""
			data.Reset()
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
		}
	}
	if err := sc.Err(); err != nil {
		return received, err
	}
	return received, io.ErrUnexpectedEOF // the server ended the stream: reconnect
}
