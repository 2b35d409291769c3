package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
)

// Every piece of request text that can reach PostgreSQL (path variables,
// query values, stored headers, and every string of a JSON body at any
// depth, through scanJSON) passes validText before any query runs.
// PostgreSQL text and jsonb hold neither NUL nor invalid UTF-8: letting
// either through answers 500 from deep inside a transaction.

// storedHeaders are the request headers whose values are stored or used
// as query arguments. A handler that starts storing another header adds
// it here.
var storedHeaders = []string{"Idempotency-Key"}

// maxEcho bounds how much of a request an error message repeats.
const maxEcho = 100

// validText reports whether s can be stored as PostgreSQL text: valid
// UTF-8 without NUL characters.
func validText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// textError is the answer for a parameter that is not valid text.
func textError(param string) error {
	param = shown(param)
	return facturo.ParamError(facturo.CodeParameterInvalid, param,
		"%s must be UTF-8 text without NUL characters.", param)
}

// shown is s as an error message or param may repeat it: invalid UTF-8
// and NUL become U+FFFD, and at most maxEcho characters are kept.
func shown(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	n := 0
	for i := range s {
		if n == maxEcho {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// checkRequestText refuses a request whose path variables, query or stored
// headers are not valid text, before authentication and before any query:
// a path id that is not text names nothing (404 for that object), a query
// parameter or header answers 400 naming it.
func checkRequestText(r *http.Request, rt Route) error {
	vars := mux.Vars(r)
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if !validText(vars[name]) {
			return facturo.NotFound(pathKind(rt.Path, name), shown(vars[name]))
		}
	}
	q := r.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !validText(name) {
			return textError(name)
		}
		for _, v := range q[name] {
			if !validText(v) {
				return textError(name)
			}
		}
	}
	for _, h := range storedHeaders {
		for _, v := range r.Header.Values(h) {
			if !validText(v) {
				return textError(h)
			}
		}
	}
	return nil
}

// pathKind names the object a path variable stands for, from the segment
// before it: "/v1/webhook_endpoints/{id}" → "webhook_endpoint".
func pathKind(pattern, name string) string {
	segs := strings.Split(pattern, "/")
	i := slices.Index(segs, "{"+name+"}")
	if i < 1 {
		return "object"
	}
	plural := segs[i-1]
	switch {
	case plural == "series":
		return plural
	case strings.HasSuffix(plural, "ies"):
		return strings.TrimSuffix(plural, "ies") + "y"
	}
	return strings.TrimSuffix(plural, "s")
}
