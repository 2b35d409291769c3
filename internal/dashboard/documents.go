package dashboard

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
)

// docKind is a kind of document the dashboard lists: its object kind and
// the statuses its list can be filtered by.
type docKind struct {
	invoicing.Object
	Title    string
	Statuses []string
}

var docKinds = []docKind{
	{invoicing.InvoiceKind.Object(), "Invoices", []string{invoicing.StatusDraft, invoicing.StatusValid, invoicing.StatusPaid, invoicing.StatusCanceled}},
	{invoicing.ReceiptKind.Object(), "Receipts", []string{invoicing.ReceiptOpen, invoicing.ReceiptInvoicedToCustomer, invoicing.ReceiptInvoicedGlobally, invoicing.ReceiptCanceledStatus}},
	{invoicing.RetentionKind.Object(), "Retentions", []string{invoicing.StatusDraft, invoicing.StatusValid, invoicing.StatusCanceled}},
	{invoicing.QuoteKind.Object(), "Quotes", []string{invoicing.QuoteDraft, invoicing.QuoteSentState, invoicing.QuoteAccept,
		invoicing.QuoteReject, invoicing.QuoteExpire, invoicing.QuoteConvert}},
	{invoicing.ProformaKind.Object(), "Pro-forma invoices", []string{invoicing.ProformaDraft, invoicing.ProformaIssuedState,
		invoicing.ProformaConvert, invoicing.ProformaCancel}},
}

// invoiceKind is the kind whose documents the dashboard also creates and
// acts on (invoicing.go).
var invoiceKind = docKinds[0]

func (s *Dashboard) documentRoutes() {
	for _, k := range docKinds {
		base := Prefix + "/organizations/{org}/{mode}/" + k.Plural
		s.mux.HandleFunc("GET "+base, s.inOrg(k.Plural, s.documents(k)))
		s.mux.HandleFunc("GET "+base+"/{doc}", s.inOrg(k.Plural, s.document(k)))
		s.mux.HandleFunc("GET "+base+"/{doc}/pdf", s.inOrg(k.Plural, s.documentPDF(k)))
	}
	invoices := Prefix + "/organizations/{org}/{mode}/" + invoiceKind.Plural
	s.mux.HandleFunc("POST "+invoices, s.inOrg(invoiceKind.Plural, s.createInvoice))
	s.mux.HandleFunc("POST "+invoices+"/{doc}/{action}", s.inOrg(invoiceKind.Plural, s.invoiceAction))
	s.clientRoutes()
}

// docSummary is what a list shows of a document's JSON.
type docSummary struct {
	ID            string  `json:"id"`
	Status        string  `json:"status"`
	Number        *string `json:"number"`
	LegalName     string  `json:"legal_name"` // a client's
	Client        string  `json:"client"`
	ClientDetails struct {
		LegalName string `json:"legal_name"`
	} `json:"client_details"`
	LastSend *struct {
		Status string   `json:"status"`
		To     []string `json:"to"`
	} `json:"last_send"`
	Total     string     `json:"total"`
	Currency  string     `json:"currency"`
	CreatedAt *time.Time `json:"created_at"`
}

// docFilter is a documents list's filter form as filled in, as the API's
// list filters: status, client, series, created from and to (UTC).
type docFilter struct{ Status, Client, Series, From, To string }

// store is the filter as the API's list query.
func (f docFilter) store() (postgres.DocumentFilter, error) {
	out := postgres.DocumentFilter{Status: f.Status, ClientID: strings.TrimSpace(f.Client), Series: strings.TrimSpace(f.Series)}
	var err error
	out.CreatedGTE, out.CreatedLTE, err = formRange(f.From, f.To)
	return out, err
}

type documentsData struct {
	Kind   docKind
	Docs   list[docSummary]
	Filter docFilter
	// New is the new draft form (invoices), with the clients it offers.
	New     *invoiceForm
	Clients []clientSummary
}

// documents lists a kind's documents of the tenant from the documents
// projection, as GET /v1/<plural> does (it may lag by milliseconds).
func (s *Dashboard) documents(k docKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
		var form *invoiceForm
		if k.Name == invoiceKind.Name {
			f := newInvoiceForm(o.org.Country)
			form = &f
		}
		return s.renderDocuments(w, r, ss, o, k, http.StatusOK, form, nil)
	}
}

// renderDocuments shows a page of k's documents, filtered by status, with
// form (nil: none) and why an action was refused.
func (s *Dashboard) renderDocuments(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, k docKind, status int, newForm *invoiceForm, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	form := docFilter{Status: q.Get("status"), Client: q.Get("client"), Series: q.Get("series"), From: q.Get("from"), To: q.Get("to")}
	filter, err := form.store()
	if err != nil {
		return err
	}
	raw, more, err := s.Documents.List(r.Context(), o.tenant, k.Name, filter, p)
	if err != nil {
		return err
	}
	docs := make([]docSummary, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &docs[i]); err != nil {
			return err
		}
	}
	page := pager(docs, more, p, func(d docSummary) string { return d.ID })
	page.keep(q)
	d := documentsData{Kind: k, Docs: page, Filter: form, New: newForm}
	if newForm != nil {
		if d.Clients, err = s.formClients(r, o); err != nil {
			return err
		}
	}
	v := o.page(ss, k.Title, d)
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "documents", v)
	return nil
}

type documentData struct {
	Kind    docKind
	Summary docSummary
	JSON    string         // the document now, as GET /v1/<plural>/{id} answers
	History []events.Event // every event of its stream, oldest first
	PDF     bool           // the server renders PDFs: link the document's
	Actions bool           // show the invoice's actions
}

// document shows a document folded from its stream (read-your-writes, as
// GET /v1/<plural>/{id}) and its history.
func (s *Dashboard) document(k docKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
		return s.renderDocument(w, r, ss, o, k, r.PathValue("doc"), http.StatusOK, nil)
	}
}

// renderDocument shows document docID of kind k, with why an action on it
// was refused.
func (s *Dashboard) renderDocument(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, k docKind, docID string, status int, refused error) error {
	if !id.Has(docID, k.Prefix) {
		return facturo.NotFound(k.Name, docID)
	}
	history, err := s.Store.Load(r.Context(), events.Stream{ID: docID, OrgID: o.tenant.OrgID, Livemode: o.tenant.Livemode})
	if err != nil {
		return err
	}
	if len(history) == 0 || !strings.HasPrefix(history[0].Type, k.Name+".") {
		return facturo.NotFound(k.Name, docID)
	}
	view, exists, err := k.FoldView(history)
	if err != nil {
		return err
	}
	if !exists {
		return facturo.NotFound(k.Name, docID)
	}
	b, err := json.Marshal(view)
	if err != nil {
		return err
	}
	d := documentData{Kind: k, History: history, PDF: s.PDF != nil && k.Name != clientKind.Name, Actions: k.Name == invoiceKind.Name}
	if err := json.Unmarshal(b, &d.Summary); err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, b, "", "  "); err != nil {
		return err
	}
	d.JSON = pretty.String()
	v := o.page(ss, k.Title, d)
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "document", v)
	return nil
}

// documentPDF answers a document's PDF, rendered by the renderer behind
// GET /v1/<plural>/{id}/pdf, inline.
func (s *Dashboard) documentPDF(k docKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
		docID := r.PathValue("doc")
		if s.PDF == nil || !id.Has(docID, k.Prefix) {
			return facturo.NotFound(k.Name, docID)
		}
		name, body, err := s.PDF.PDF(r.Context(), o.tenant, k.Name, docID, 0)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Del("Content-Security-Policy") // the browser's PDF viewer is not a page of ours
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, err = w.Write(body)
		return err
	}
}
