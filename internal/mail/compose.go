package mail

import (
	"bytes"
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
	Title     string // "Invoice A-17", "Receipt rcp_...", "Retention ret_..."
	Client    string // the client's legal name; empty for a receipt
	Total     string // "232.00"
	Currency  string
	Issued    time.Time
	Filename  string // the attachment's name
	PDF       []byte
}

// MessageID is the Message-ID of the email of the send event eventID:
// derived from it alone, so every retry of a send is the same message
// and a receiving server or client can drop duplicates.
func MessageID(eventID string) string { return "<" + eventID + "@facturo>" }

var textBody = texttemplate.Must(texttemplate.New("text").Parse(`Hello{{with .Client}} {{.}}{{end}},

Attached is {{.Title}}{{if not .Issued.IsZero}} of {{.Issued.Format "2006-01-02"}}{{end}}, for a total of {{.Total}} {{.Currency}}.

The PDF is attached to this message ({{.Filename}}).
`))

var htmlBody = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><body>
<p>Hello{{with .Client}} {{.}}{{end}},</p>
<p>Attached is <strong>{{.Title}}</strong>{{if not .Issued.IsZero}} of {{.Issued.Format "2006-01-02"}}{{end}}, for a total of <strong>{{.Total}} {{.Currency}}</strong>.</p>
<p>The PDF is attached to this message ({{.Filename}}).</p>
</body></html>
`))

// Compose builds the message of l from from: multipart/mixed holding a
// multipart/alternative (plain text, then HTML, escaped by html/template)
// and the PDF as application/pdf.
func Compose(from string, l Letter) (*gomail.Msg, error) {
	var text, html bytes.Buffer
	if err := textBody.Execute(&text, l); err != nil {
		return nil, err
	}
	if err := htmlBody.Execute(&html, l); err != nil {
		return nil, err
	}
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		return nil, err
	}
	if err := m.To(l.To...); err != nil {
		return nil, err
	}
	m.Subject(l.Title)
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
