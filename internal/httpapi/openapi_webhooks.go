package httpapi

import (
	"reflect"

	"github.com/facturo/facturo/webhooks/delivery"
	"github.com/getkin/kin-openapi/openapi3"
)

// webhookDoc is the document's webhooks section: what every delivery to
// a webhook endpoint is (docs/webhooks.md tells the rest), so that the
// headers a receiver may rely on are in the contract with the body.
func webhookDoc(g *schemaGen) map[string]*openapi3.PathItem {
	header := func(name, desc, pattern string, required bool) *openapi3.ParameterRef {
		p := openapi3.NewHeaderParameter(name).WithDescription(desc).
			WithSchema(&openapi3.Schema{Type: types("string"), Pattern: pattern})
		p.Required = required
		return &openapi3.ParameterRef{Value: p}
	}
	body := openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(g.response(reflect.TypeOf(EventView{})))
	op := &openapi3.Operation{
		OperationID: "deliverEvent",
		Summary:     "An event, POSTed to each enabled endpoint that subscribes to its type",
		Description: "The body is byte for byte what GET /v1/events/{id} answers, signed per Standard Webhooks. " +
			"Answer 2xx; anything else is retried. On a fifo endpoint the next delivery waits for this one.",
		Tags: []string{"Webhooks"},
		Parameters: openapi3.Parameters{
			header("webhook-id", "The event id, the same on every attempt: process each once.", "^evt_", true),
			header("webhook-timestamp", "Unix seconds of this attempt; refuse it more than 5 minutes from your clock.", "^[0-9]+$", true),
			header("webhook-signature", `Space-separated "v1,<base64 HMAC-SHA256>" signatures of id.timestamp.body, several during a rotation.`, "^v1,", true),
			header(delivery.HeaderResource, "The id of the object the event is about (the body's resource); absent on a ping.", "", false),
			header(delivery.HeaderResourceVersion, "The version of that object this event made (the body's resource_version): "+
				"discard what is not above the highest you have seen; a jump of more than one is a gap.", "^[1-9][0-9]*$", false),
		},
		RequestBody: &openapi3.RequestBodyRef{Value: body},
		Responses:   openapi3.NewResponses(),
		// Facturo calls the receiver: no key; the signature authenticates.
		Security: &openapi3.SecurityRequirements{},
	}
	op.Responses.Delete("default")
	op.AddResponse(200, openapi3.NewResponse().WithDescription("Any 2xx: delivered."))
	return map[string]*openapi3.PathItem{"event": {Post: op}}
}
