package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/postgres"
)

// listResponse is the envelope of every list.
type listResponse[T any] struct {
	Object  string `json:"object"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

// pageParams reads limit (1..100, default 10), starting_after and
// ending_before.
func pageParams(r *http.Request) (postgres.Page, error) {
	q := r.URL.Query()
	p := postgres.Page{Limit: 10, StartingAfter: q.Get("starting_after"), EndingBefore: q.Get("ending_before")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return p, facturo.ParamError(facturo.CodeParameterInvalid, "limit", "limit must be an integer from 1 to 100.")
		}
		p.Limit = n
	}
	if p.StartingAfter != "" && p.EndingBefore != "" {
		return p, facturo.ParamError(facturo.CodeParameterInvalid, "ending_before",
			"starting_after and ending_before cannot be used together.")
	}
	return p, nil
}

// writeList answers one page.
func writeList[T any](w http.ResponseWriter, r *http.Request, data []T, more bool) error {
	if data == nil {
		data = []T{}
	}
	writeJSON(w, http.StatusOK, listResponse[T]{Object: "list", Data: data, HasMore: more, URL: r.URL.Path})
	return nil
}

// timeParam reads an optional RFC 3339 timestamp or unix seconds.
func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(name, s)
}

// maxUnixSeconds is 9999-12-31T23:59:59Z: a later instant has no RFC 3339
// form, and PostgreSQL refuses timestamps far beyond it.
const maxUnixSeconds = 253402300799

// parseTime reads an RFC 3339 timestamp or unix seconds, from 1970 to the
// year 9999, before any arithmetic or query sees it.
func parseTime(param, s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > maxUnixSeconds {
			return time.Time{}, facturo.ParamError(facturo.CodeParameterInvalid, param,
				"%s in unix seconds must be from 0 to %d.", param, maxUnixSeconds)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Before(time.Unix(0, 0)) {
		return time.Time{}, facturo.ParamError(facturo.CodeParameterInvalid, param,
			"%s must be an RFC 3339 timestamp or unix seconds, from 1970 on.", param)
	}
	return t.UTC(), nil
}
