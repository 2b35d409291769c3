package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo"
)

// qDoc declares one query parameter of an operation. The declarations of
// operations (opDoc.query, and pagingParams for paged lists) are the one
// source of both the document's parameters (qDoc.parameter) and the check
// every request passes before its handler (checkQuery): a parameter the
// operation does not declare, one sent twice, or a value outside its
// declared domain is refused with 400 naming it, as an unknown body field
// is. An empty value is the parameter left out.
type qDoc struct {
	name, desc string
	kind       qKind
	enum       []string // the only values accepted (kind qString)
	min, max   int      // bounds of a qInt
	dflt       int      // the default of a qInt, for the document
}

// qKind is the type of a query parameter's value.
type qKind int

const (
	qString qKind = iota
	qInt
	qTime // RFC 3339 or unix seconds, from 1970 to 9999 (parseTime)
)

// timePattern is the document's pattern of a time parameter: an RFC 3339
// date-time from 1970 on (parseTime refuses earlier instants).
const timePattern = `^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}T`

// pagingParams are the parameters of every paged list.
var pagingParams = []qDoc{
	{name: "limit", desc: "Page size, 1..100 (default 10).", kind: qInt, min: 1, max: 100, dflt: 10},
	{name: "starting_after", desc: "Cursor: the id of the last object of the previous page (next, older page)."},
	{name: "ending_before", desc: "Cursor: the id of the first object of the current page (previous, newer page)."},
}

// queryParams lists every query parameter op takes.
func (d opDoc) queryParams() []qDoc {
	var out []qDoc
	if d.paged {
		out = append(out, pagingParams...)
	}
	return append(out, d.query...)
}

// parameter is q in the document.
func (q qDoc) parameter() *openapi3.Parameter {
	s := &openapi3.Schema{Type: types("string")}
	switch q.kind {
	case qInt:
		s = &openapi3.Schema{Type: types("integer"), Min: new(float64(q.min)), Max: new(float64(q.max))}
		if q.dflt != 0 {
			s.Default = q.dflt
		}
	case qTime:
		s.Format, s.Pattern = "date-time", timePattern
	}
	for _, v := range q.enum {
		s.Enum = append(s.Enum, v)
	}
	return openapi3.NewQueryParameter(q.name).WithDescription(q.desc).WithSchema(s)
}

// check refuses a value of q outside its declared domain.
func (q qDoc) check(v string) error {
	switch q.kind {
	case qInt:
		if n, err := strconv.Atoi(v); err != nil || n < q.min || n > q.max {
			return facturo.ParamError(facturo.CodeParameterInvalid, q.name,
				"%s must be an integer from %d to %d.", q.name, q.min, q.max)
		}
	case qTime:
		_, err := parseTime(q.name, v)
		return err
	}
	if q.enum != nil && !slices.Contains(q.enum, v) {
		return facturo.ParamError(facturo.CodeParameterInvalid, q.name,
			"%s must be one of %s.", q.name, strings.Join(q.enum, ", "))
	}
	return nil
}

// checkQuery refuses a request whose query string has a parameter the
// route's operation does not declare, has one twice, or has a value
// outside its declared domain, before authentication and before the
// handler. The names a key might be sent under (credentialQueryNames)
// are left to authentication, which refuses them with their own code.
func checkQuery(r *http.Request, rt Route) error {
	d, ok := operations[rt.Method+" "+rt.Path]
	if !ok {
		return nil
	}
	declared := d.queryParams()
	q := r.URL.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if rt.Auth != AuthNone && slices.Contains(credentialQueryNames, name) {
			continue
		}
		i := slices.IndexFunc(declared, func(p qDoc) bool { return p.name == name })
		if i < 0 {
			return unknownQuery(name, declared)
		}
		if len(q[name]) > 1 {
			return facturo.ParamError(facturo.CodeParameterInvalid, shown(name), "%s appears more than once in the query string.", shown(name))
		}
		if v := q.Get(name); v != "" {
			if err := declared[i].check(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func unknownQuery(name string, declared []qDoc) error {
	p := shown(name)
	if len(declared) == 0 {
		return facturo.ParamError(facturo.CodeParameterInvalid, p, "Unknown query parameter: %s (this operation takes none).", p)
	}
	names := make([]string, len(declared))
	for i, d := range declared {
		names[i] = d.name
	}
	return facturo.ParamError(facturo.CodeParameterInvalid, p, "Unknown query parameter: %s (this operation takes %s).", p, strings.Join(names, ", "))
}
