package mail

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Letter is what the email of one send says.
type Letter struct {
	MessageID string    // "<evt_...@facturo>": the send event's, the same on every retry
	Date      time.Time // the send event's time, so a retry is byte for byte the same message
	To        []string
	Title     string // "Invoice A-17", "Factura A-17", "Receipt rcp_..."
	Issuer    string // the organization's legal name (or name); empty: unknown
	Language  string // the organization's document language: "es" or "en" (default)
	Client    string // the client's legal name; empty for a receipt
	Total     string // "232.00"
	Currency  string
	Issued    time.Time
	Filename  string // the attachment's name
	PDF       []byte
	// Link is where the client answers the document (a quote's
	// accept/reject page), absolute; empty: none.
	Link string

	kind, number string // what the title names: "invoice", "A-17"
	linkPath     string // Link's path, before the public base is known
}

// Issuers names the organization that sends a document, in the language
// of its documents (pdf.Renderer, which prints the same on the PDF).
type Issuers interface {
	Issuer(ctx context.Context, orgID string) (name, language string, err error)
}

// MessageID is the Message-ID of the email of the send event eventID:
// derived from it alone, so every retry of a send is the same message
// and a receiving server or client can drop duplicates.
func MessageID(eventID string) string { return "<" + eventID + "@facturo>" }

// titles name each kind of document in each language.
var titles = map[string]map[string]string{
	"en": {"invoice": "Invoice", "credit_note": "Credit note", "receipt": "Receipt", "retention": "Withholding certificate",
		"quote": "Quote", "proforma": "Pro-forma invoice"},
	"es": {"invoice": "Factura", "credit_note": "Nota de crédito", "receipt": "Recibo", "retention": "Constancia de retenciones",
		"quote": "Cotización", "proforma": "Factura proforma"},
}

func title(lang, kind, number string) string {
	names, ok := titles[lang]
	if !ok {
		names = titles["en"]
	}
	return strings.TrimSpace(names[kind] + " " + number)
}

// bodies are the text and HTML bodies in each language.
var bodies = map[string]struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}{
	"en": {texttemplate.Must(texttemplate.New("en").Parse(`Hello{{with .Client}} {{.}}{{end}},

Attached is {{.Title}}{{if not .Issued.IsZero}} of {{.Issued.Format "2006-01-02"}}{{end}}, for a total of {{.Total}} {{.Currency}}.

The PDF is attached to this message ({{.Filename}}).
{{with .Link}}
Accept or reject it here: {{.}}
{{end}}{{with .Issuer}}
{{.}}
{{end}}`)), htmltemplate.Must(htmltemplate.New("en").Parse(`<!DOCTYPE html>
<html><body>
<p>Hello{{with .Client}} {{.}}{{end}},</p>
<p>Attached is <strong>{{.Title}}</strong>{{if not .Issued.IsZero}} of {{.Issued.Format "2006-01-02"}}{{end}}, for a total of <strong>{{.Total}} {{.Currency}}</strong>.</p>
<p>The PDF is attached to this message ({{.Filename}}).</p>
{{with .Link}}<p><a href="{{.}}">Accept or reject it here</a>.</p>
{{end}}{{with .Issuer}}<p>{{.}}</p>
{{end}}</body></html>
`))},
	"es": {texttemplate.Must(texttemplate.New("es").Parse(`Hola{{with .Client}} {{.}}{{end}}:

Le enviamos {{.Title}}{{if not .Issued.IsZero}} del {{.Issued.Format "02/01/2006"}}{{end}}, por un total de {{.Total}} {{.Currency}}.

El PDF va adjunto a este mensaje ({{.Filename}}).
{{with .Link}}
Acéptela o recházela aquí: {{.}}
{{end}}{{with .Issuer}}
{{.}}
{{end}}`)), htmltemplate.Must(htmltemplate.New("es").Parse(`<!DOCTYPE html>
<html lang="es"><body>
<p>Hola{{with .Client}} {{.}}{{end}}:</p>
<p>Le enviamos <strong>{{.Title}}</strong>{{if not .Issued.IsZero}} del {{.Issued.Format "02/01/2006"}}{{end}}, por un total de <strong>{{.Total}} {{.Currency}}</strong>.</p>
<p>El PDF va adjunto a este mensaje ({{.Filename}}).</p>
{{with .Link}}<p><a href="{{.}}">Acéptela o recházela aquí</a>.</p>
{{end}}{{with .Issuer}}<p>{{.}}</p>
{{end}}</body></html>
`))},
}

// subject is the title, with the issuer when known.
func (l Letter) subject() string {
	if l.Issuer == "" {
		return l.Title
	}
	sep := " from "
	if l.Language == "es" {
		sep = " de "
	}
	return l.Title + sep + l.Issuer
}

// Compose builds the message of l from from: multipart/mixed holding a
// multipart/alternative (plain text, then HTML, escaped by html/template)
// and the PDF as application/pdf.
func Compose(from string, l Letter) (*gomail.Msg, error) {
	body, ok := bodies[l.Language]
	if !ok {
		body = bodies["en"]
	}
	var text, html bytes.Buffer
	if err := body.text.Execute(&text, l); err != nil {
		return nil, err
	}
	if err := body.html.Execute(&html, l); err != nil {
		return nil, err
	}
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, err
	}
	if err := m.To(l.To...); err != nil {
		return nil, err
	}
	m.Subject(l.subject())
	m.SetMessageIDWithValue(strings.Trim(l.MessageID, "<>"))
	m.SetDateWithValue(l.Date)
	m.SetBodyString(gomail.TypeTextPlain, text.String())
	m.AddAlternativeString(gomail.TypeTextHTML, html.String())
	if err := m.AttachReader(l.Filename, bytes.NewReader(l.PDF), gomail.WithFileContentType(typePDF)); err != nil {
		return nil, err
	}
	return m, nil
}

const typePDF gomail.ContentType = "application/pdf"
