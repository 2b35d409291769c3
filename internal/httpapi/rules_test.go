package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/webhooks"
)

// The strict decoder enforces the contract of the `facturo` tags before
// any domain code runs: a required field left out (or null, blank, [])
// answers parameter_missing with its JSON path, a value outside the
// declared enum, pattern, bounds or format parameter_invalid.
// internal/e2e's TestRequestBodiesMatchTheDocument proves the same over
// HTTP for every operation, from the document's side.
func TestDecodeEnforcesTheTags(t *testing.T) {
	okInvoice := `"client":"cli_1","payment_form":"03","items":[{"product":"prd_1"}]`
	for _, c := range []struct {
		body        string
		into        func() any
		code, param string
	}{
		{`{}`, clientIn, facturo.CodeParameterMissing, "legal_name"},
		{`{"legal_name":" ","tax_id":"AAA010101AAA"}`, clientIn, facturo.CodeParameterMissing, "legal_name"},
		{`{"legal_name":null,"tax_id":"AAA010101AAA"}`, clientIn, facturo.CodeParameterMissing, "legal_name"},
		{`{"legal_name":"A"}`, clientIn, facturo.CodeParameterMissing, "tax_id"},
		{`{"legal_name":"A","tax_id":"aaa010101aaa"}`, clientIn, facturo.CodeParameterInvalid, "tax_id"},
		{`{"legal_name":"A","tax_id":"AAA010101AAA","email":"nope"}`, clientIn, facturo.CodeParameterInvalid, "email"},
		{`{"legal_name":"A","tax_id":"AAA010101AAA","address":{"street":"` + strings.Repeat("é", 101) + `"}}`, clientIn, facturo.CodeParameterInvalid, "address.street"},
		{`{"client":"cli_1","items":[{"product":"prd_1"}]}`, invoice, facturo.CodeParameterMissing, "payment_form"},
		{`{"payment_form":"03","items":[{"product":"prd_1"}]}`, invoice, facturo.CodeParameterMissing, "client"},
		{`{"client":"cli_1","payment_form":"03","items":[]}`, invoice, facturo.CodeParameterMissing, "items"},
		{`{"client":"cli_1","payment_form":"03","items":[{"quantity":"2"}]}`, invoice, facturo.CodeParameterMissing, "items[0].product"},
		{`{` + okInvoice + `,"payment_method":"pue"}`, invoice, facturo.CodeParameterInvalid, "payment_method"},
		{`{` + okInvoice + `,"currency":"usd"}`, invoice, facturo.CodeParameterInvalid, "currency"},
		{`{"client":"cli_1","payment_form":"03","items":[{"product":"prd_1","quantity":-1}]}`, invoice, facturo.CodeParameterInvalid, "items[0].quantity"},
		{`{"client":"cli_1","payment_form":"03","items":[{"product":{"description":"x","price":"1","taxes":[{"type":"IVA"}]}}]}`, invoice, facturo.CodeParameterMissing, "items[0].product.taxes[0].rate"},
		{`{"code":"A","next_number":0}`, func() any { return new(invoicing.SeriesInput) }, facturo.CodeParameterInvalid, "next_number"},
		{`{"code":"A","next_number":1000000000000}`, func() any { return new(invoicing.SeriesInput) }, facturo.CodeParameterInvalid, "next_number"},
		{`{"grace_period_seconds":604801}`, func() any { return new(rotateInput) }, facturo.CodeParameterInvalid, "grace_period_seconds"},
		{`{"grace_period_seconds":-1}`, func() any { return new(rotateSecretInput) }, facturo.CodeParameterInvalid, "grace_period_seconds"},
		{`{"name":"k"}`, func() any { return new(accounts.KeyInput) }, facturo.CodeParameterMissing, "mode"},
		{`{"mode":"Live"}`, func() any { return new(accounts.KeyInput) }, facturo.CodeParameterInvalid, "mode"},
		{`{"name":"x"}`, func() any { return new(accounts.UserInput) }, facturo.CodeParameterMissing, "email"},
		{`{}`, func() any { return new(invoicing.CancelInput) }, facturo.CodeParameterMissing, "reason"},
		{`{"reason":"05"}`, func() any { return new(invoicing.CancelInput) }, facturo.CodeParameterInvalid, "reason"},
		{`{"to":["a@b.mx","nope"]}`, func() any { return new(invoicing.SendInput) }, facturo.CodeParameterInvalid, "to[1]"},
		{`{"to":"nope"}`, func() any { return new(invoicing.SendInput) }, facturo.CodeParameterInvalid, "to"},
		{`{}`, func() any { return new(invoicing.ReceiptSendInput) }, facturo.CodeParameterMissing, "to"},
		{`{"url":"https://x.mx","enabled_events":[]}`, func() any { return new(webhooks.EndpointInput) }, facturo.CodeParameterMissing, "enabled_events"},
		{`{"url":"x","enabled_events":["*"]}`, func() any { return new(webhooks.EndpointInput) }, facturo.CodeParameterInvalid, "url"},
		{`{"since":"1969-01-01T00:00:00Z"}`, func() any { return new(recoverInput) }, facturo.CodeParameterInvalid, "since"},
		{`{}`, func() any { return new(recoverInput) }, facturo.CodeParameterMissing, "since"},
		{`{}`, func() any { return new(accessInput) }, facturo.CodeParameterMissing, "api_disabled"},
		{`{"name":" "}`, func() any { return new(accounts.OrganizationPatch) }, facturo.CodeParameterMissing, "name"},
	} {
		err := decodeBytes([]byte(c.body), c.into())
		var appErr *facturo.Error
		if !errors.As(err, &appErr) || appErr.Code != c.code || appErr.Param != c.param {
			t.Errorf("%T %s: %v, want %s %s", c.into(), c.body, err, c.code, c.param)
		}
	}
	for _, c := range []struct {
		body string
		into func() any
	}{
		{`{` + okInvoice + `,"payment_method":"PPD","use":"","currency":""}`, invoice},
		{`{"payment_method":"PPD","client":"cli_1","items":[{"product":"prd_1"}]}`, invoice},
		{`{"global":{"periodicity":"day","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"},"payment_form":"01","items":[{"product":"prd_1"}]}`, invoice},
		{`{"client":"cli_1","payment_form":"03","items":[{"product":{"description":"x","price":"1","taxes":[{"type":"IVA","factor":"Exento"}]}}]}`, invoice},
		{`{"since":1700000000,"until":"2030-01-01T00:00:00Z"}`, func() any { return new(recoverInput) }},
		{`{"to":"a@b.mx"}`, func() any { return new(invoicing.SendInput) }},
		{`{"grace_period_seconds":0}`, func() any { return new(rotateInput) }},
	} {
		if err := decodeBytes([]byte(c.body), c.into()); err != nil {
			t.Errorf("%T %s: %v", c.into(), c.body, err)
		}
	}
}

// Where the document declares a default, it is the one the domain
// applies: each tag's default is the domain's constant.
func TestDefaultsAreTheDomainConstants(t *testing.T) {
	want := map[string]string{
		"InvoiceInput.currency":                  invoicing.DefaultCurrency,
		"ReceiptInput.currency":                  invoicing.DefaultCurrency,
		"InvoiceInput.series":                    invoicing.DefaultSeries,
		"InvoiceInput.payment_method":            invoicing.PaymentMethodPUE,
		"InvoiceInput.use":                       invoicing.DefaultUse,
		"ProductInput.unit_key":                  invoicing.DefaultUnitKey,
		"ProductInput.product_key":               invoicing.DefaultProductKey,
		"ProductInput.tax_included":              "true",
		"TaxInput.factor":                        invoicing.FactorRate,
		"ItemInput.quantity":                     "1",
		"ItemInput.discount":                     "0",
		"Address.country":                        invoicing.DefaultCountry,
		"RetentionInput.key":                     invoicing.DefaultRetentionKey,
		"SeriesInput.next_number":                "1",
		"rotateInput.grace_period_seconds":       itoa(int64(accounts.DefaultGracePeriod.Seconds())),
		"rotateSecretInput.grace_period_seconds": itoa(int64(webhooks.DefaultGracePeriod.Seconds())),
		"EndpointInput.ordering":                 webhooks.OrderingParallel,
		"OrganizationInput.country":              string(jurisdiction.Default),
		"TaxRateInput.factor":                    invoicing.FactorRate,
		"TaxRateInput.included_in_price":         "true",
		"TaxRateInput.active":                    "true",
		"ConvertInput.series":                    invoicing.DefaultSeries,
		"ConvertInput.payment_method":            invoicing.PaymentMethodPUE,
		"ConvertInput.use":                       invoicing.DefaultUse,
		"QuoteInput.currency":                    invoicing.DefaultCurrency,
		"ProformaInput.currency":                 invoicing.DefaultCurrency,
	}
	seen := map[string]bool{}
	walkRequestTypes(func(st reflect.Type, f jsonField) {
		if !f.rule.hasDefault {
			return
		}
		name := st.Name() + "." + f.name
		seen[name] = true
		if w, ok := want[name]; !ok {
			t.Errorf("%s declares default %q: add the domain constant it stands for to this test", name, f.rule.dflt)
		} else if w != f.rule.dflt {
			t.Errorf("%s declares default %q, the domain applies %q", name, f.rule.dflt, w)
		}
	})
	for name := range want {
		if !seen[name] {
			t.Errorf("%s declares no default", name)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// walkRequestTypes calls fn for every field of every struct a request body
// of operations decodes into.
func walkRequestTypes(fn func(st reflect.Type, f jsonField)) {
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ == productRef {
			typ = productInputType
		}
		if seen[typ] || typ.Kind() != reflect.Struct || typ == timeType || typ == decimalType {
			return
		}
		seen[typ] = true
		for _, f := range structFields(typ) {
			fn(typ, f)
			walk(f.typ)
		}
	}
	for _, d := range operations {
		if d.in != nil {
			walk(reflect.TypeOf(d.in))
		}
	}
}

// Every operation whose body has properties has an example in the
// document, valid against the body's schema and accepted by the strict
// decoder: internal/e2e sends them to the real system.
func TestEveryBodyHasAValidExample(t *testing.T) {
	s := unconnectedServer()
	doc := servedOpenAPI(t)
	for _, rt := range s.Routes() {
		name := rt.Method + " " + rt.Path
		d := operations[name]
		op := doc.Paths.Find(rt.Path).GetOperation(rt.Method)
		if d.in == nil || op.RequestBody == nil {
			continue
		}
		media := op.RequestBody.Value.Content.Get("application/json")
		if len(media.Schema.Value.Properties) == 0 {
			continue
		}
		if media.Example == nil {
			t.Errorf("%s has no example: add one to examples (openapi_ops.go)", name)
			continue
		}
		if err := media.Schema.Value.VisitJSON(media.Example, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s: the example does not match its schema: %v", name, err)
		}
		raw, _ := json.Marshal(media.Example)
		if err := decodeBytes(raw, reflect.New(reflect.TypeOf(d.in)).Interface()); err != nil {
			t.Errorf("%s: the decoder refuses the example: %v", name, err)
		}
	}
}
