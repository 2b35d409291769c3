package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/facturo/facturo"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// decode reads a JSON object body into v strictly: unknown fields, fields
// in another case, duplicate keys, wrong types, text PostgreSQL cannot
// store (NUL, invalid UTF-8), oversize numbers, trailing data and oversize
// bodies are errors naming the field by its JSON path (items[0].product);
// scanJSON checks all but the size before anything is parsed. An empty
// body decodes as {} so that POSTs without parameters work.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return facturo.Errorf(facturo.CodeBodyTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	if err != nil {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body could not be read.")
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := scanJSON(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body must hold a single JSON object.")
	}
	if n, ok := v.(nullSetter); ok {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err == nil {
			for name, raw := range fields {
				if string(bytes.TrimSpace(raw)) == "null" {
					n.SetNull(name)
				}
			}
		}
	}
	return nil
}

// nullSetter is a PATCH body that tells a field sent as null (clear it)
// from a field left out (keep it), which a nil pointer cannot.
type nullSetter interface{ SetNull(field string) }

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var appErr *facturo.Error
	switch {
	case errors.As(err, &appErr):
		return appErr
	case errors.As(err, &syntax):
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body is not valid JSON (at byte %d).", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return facturo.Errorf(facturo.CodeInvalidRequest, "The request body must be a JSON object.")
		}
		return pathError(typ.Field, "must be of type %s, not %s.", jsonType(typ.Type.Kind().String()), shown(typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := shown(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		return facturo.ParamError(facturo.CodeParameterInvalid, field, "Unknown parameter: %s.", field)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body is truncated JSON.")
	}
	// Whatever else encoding/json or an UnmarshalJSON says may quote the
	// input: only its start is repeated.
	return facturo.Errorf(facturo.CodeInvalidRequest, "The request body is invalid: %s.", shown(strings.TrimPrefix(err.Error(), "json: ")))
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	case "bool":
		return "boolean"
	}
	return kind
}

// required returns a parameter_missing error if s is empty.
func required(param, s string) error {
	if strings.TrimSpace(s) == "" {
		return facturo.ParamError(facturo.CodeParameterMissing, param, "%s is required.", param)
	}
	return nil
}
