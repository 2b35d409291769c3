package httpapi

import (
	"bytes"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/invoicing"
)

// The public link of a quote is what its client opens from the email: a
// browser asking for HTML gets a page with the quote and Accept / Reject
// buttons, whose form posts answer like the JSON calls and come back to
// the page; an API client keeps getting JSON. The link's token is the
// credential, so the page needs no session and no CSRF token: a forged
// post would have to know the token.

var quotePage = template.Must(template.New("quote").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{with .Quote}}Quote {{.Number}}{{else}}Quote{{end}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde1e8;padding:.4rem;text-align:left}
td.n,th.n{text-align:right}.status{display:inline-block;padding:.1rem .6rem;border-radius:999px;background:#eef0f4;font-weight:600}
.error{background:#fdecea;border:1px solid #f3b8b3;color:#b3261e;padding:.6rem .9rem;border-radius:6px}
form{display:inline-block;margin:1rem 1rem 0 0}button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #2f5bd3;background:#2f5bd3;color:#fff;cursor:pointer}
button.reject{background:#fff;color:#b3261e;border-color:#b3261e}input{font:inherit;padding:.4rem;border:1px solid #b9c0cc;border-radius:6px}</style>
</head><body>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{with .Quote}}
<h1>Quote {{.Number}} <span class="status" id="status">{{.Status}}</span></h1>
<p>For <strong>{{.Client.LegalName}}</strong>{{with .SentAt}}, sent {{.Format "2006-01-02"}}{{end}}{{with .ExpiresAt}}, valid until {{.Format "2006-01-02"}}{{end}}.</p>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead><tbody>
{{range .Items}}<tr><td>{{.Product.Description}}</td><td class="n">{{.Quantity}}</td><td class="n">{{.UnitPrice}}</td><td class="n">{{.Subtotal}}</td></tr>
{{end}}</tbody></table>
<p>Subtotal {{.Subtotal}} · taxes {{.TotalTransferred}}{{if ne .TotalWithheld "0.00"}} · withheld {{.TotalWithheld}}{{end}} · <strong>total {{.Total}} {{.Currency}}</strong></p>
{{with .Notes}}<p>{{.}}</p>{{end}}
{{if eq .Status "sent"}}
<form method="post" action="{{$.Path}}/accept"><button type="submit">Accept the quote</button></form>
<form method="post" action="{{$.Path}}/reject"><input name="reason" placeholder="Why (optional)" maxlength="500"> <button type="submit" class="reject">Reject</button></form>
{{else}}<p>This quote is <strong>{{.Status}}</strong>{{with .AnsweredAt}} since {{.Format "2006-01-02 15:04 UTC"}}{{end}}; it can no longer be answered here.</p>{{end}}
{{end}}
</body></html>
`))

// wantsHTML reports whether r is a browser's: a form post, or a GET that
// prefers text/html to JSON.
func wantsHTML(r *http.Request) bool {
	if r.Method == http.MethodPost {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt == "application/x-www-form-urlencoded"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") && !strings.Contains(accept, "application/json")
}

// quotePagePath is the page of the link r is about: its path without the
// answer (/accept, /reject) a form posted to.
func quotePagePath(r *http.Request) string {
	return strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, "/accept"), "/reject")
}

// writeQuotePage answers the page of a quote (nil: none could be read)
// with status, showing err's message when a step was refused.
func writeQuotePage(w http.ResponseWriter, r *http.Request, status int, q *invoicing.PublicQuoteView, err error) error {
	data := struct {
		Quote *invoicing.PublicQuoteView
		Path  string
		Error string
	}{Quote: q, Path: quotePagePath(r)}
	if err != nil {
		var fe *facturo.Error
		if !errors.As(err, &fe) || fe.Code == facturo.CodeInternal {
			return err // the API's 500, logged
		}
		data.Error, status = fe.Message, ErrorStatus(err)
	}
	var buf bytes.Buffer
	if err := quotePage.Execute(&buf, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the URL is the credential
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}
