package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
)

// idKind is the kind of object a path variable names: its name in
// not-found answers and the prefix of its ids.
type idKind struct{ object, prefix string }

// pathKinds gives the kind of id a path variable holds by the path segment
// before it ("/v1/clients/{id}": a client). Every path variable of every
// route must have a rule here: pathVars panics at registration otherwise.
var pathKinds = func() map[string]idKind {
	m := map[string]idKind{
		"users":         {"user", id.User},
		"organizations": {"organization", id.Organization},
		"api_keys":      {"api_key", id.Key},
		"events":        {"event", id.Event},
		"deliveries":    {"webhook_delivery", id.Delivery},
	}
	for _, o := range invoicing.Objects {
		m[o.Plural] = idKind{o.Name, o.Prefix}
	}
	m[command.EndpointKind.Plural] = idKind{command.EndpointKind.Name, command.EndpointKind.Prefix}
	return m
}()

// pathVar is one id-holding variable of a route.
type pathVar struct {
	name string
	kind idKind
}

// pathVars lists the variables of a route pattern with their kinds.
func pathVars(pattern string) []pathVar {
	var out []pathVar
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok || seg == "{token}" { // a public link's token, which its handler checks
			continue
		}
		k, known := idKind{}, false
		if i > 0 {
			k, known = pathKinds[segs[i-1]]
		}
		if !known {
			panic(fmt.Sprintf("httpapi: route %s: no id kind for %s (add it to pathKinds)", pattern, seg))
		}
		out = append(out, pathVar{name: strings.TrimSuffix(name, "}"), kind: k})
	}
	return out
}

// checkPathIDs answers not found for a path id that is not shaped like an
// id of its variable's kind (a client id where a key is expected), before
// the handler folds or appends to anything: the same answer as an unknown
// id of the right kind.
func checkPathIDs(vars []pathVar, fn commandFunc) commandFunc {
	if len(vars) == 0 {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request, claim *command.Claim) error {
		values := mux.Vars(r)
		for _, v := range vars {
			if !id.Has(values[v.name], v.kind.prefix) {
				return facturo.NotFound(v.kind.object, values[v.name])
			}
		}
		return fn(w, r, claim)
	}
}
