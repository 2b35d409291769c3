package dashboard

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/jurisdiction"
	"github.com/facturo/facturo/internal/postgres"
)

// clientKind is the clients' list and pages: a client's page is a
// document page (its JSON and history) without a PDF.
var clientKind = docKind{Object: invoicing.ClientKind.Object(), Title: "Clients"}

func (s *Dashboard) clientRoutes() {
	base := Prefix + "/organizations/{org}/{mode}/clients"
	s.mux.HandleFunc("GET "+base, s.inOrg("clients", s.clients))
	s.mux.HandleFunc("POST "+base, s.inOrg("clients", s.createClient))
	s.mux.HandleFunc("GET "+base+"/{doc}", s.inOrg("clients", s.document(clientKind)))
}

// clientSummary is what the clients list shows of a client's JSON.
type clientSummary struct {
	ID        string `json:"id"`
	LegalName string `json:"legal_name"`
	TaxID     string `json:"tax_id"`
	Email     string `json:"email"`
	Address   struct {
		Zip string `json:"zip"`
	} `json:"address"`
}

// clientForm is the create form as filled in.
type clientForm struct{ LegalName, TaxID, TaxSystem, Email, Zip string }

type clientsData struct {
	Clients list[clientSummary]
	Form    clientForm
}

func (s *Dashboard) clients(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.renderClients(w, r, ss, o, http.StatusOK, clientForm{}, nil)
}

func (s *Dashboard) renderClients(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, status int, form clientForm, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	clients, more, err := s.listClients(r, o, p)
	if err != nil {
		return err
	}
	v := o.page(ss, "Clients", clientsData{Form: form, Clients: pager(clients, more, p, func(c clientSummary) string { return c.ID })})
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "clients", v)
	return nil
}

// listClients reads a page of o's clients from the documents projection,
// as GET /v1/clients does.
func (s *Dashboard) listClients(r *http.Request, o *orgPage, p postgres.Page) ([]clientSummary, bool, error) {
	raw, more, err := s.Documents.List(r.Context(), o.tenant, clientKind.Name, postgres.DocumentFilter{}, p)
	if err != nil {
		return nil, false, err
	}
	out := make([]clientSummary, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

// formClients are the clients the new invoice form offers: a page of the
// documents projection, and the newest clients it may not hold yet (it
// lags the commit by milliseconds), folded from their streams, so that a
// client added a moment ago is there.
func (s *Dashboard) formClients(r *http.Request, o *orgPage) ([]clientSummary, error) {
	listed, _, err := s.listClients(r, o, postgres.Page{Limit: 100})
	if err != nil {
		return nil, err
	}
	recent, _, err := s.Store.ListEvents(r.Context(), o.tenant, postgres.EventFilter{Type: invoicing.ClientKind.Name + ".created"}, postgres.Page{Limit: 5})
	if err != nil {
		return nil, err
	}
	var missing []clientSummary
	for _, e := range recent {
		if slices.ContainsFunc(listed, func(c clientSummary) bool { return c.ID == e.StreamID }) {
			continue
		}
		history, err := s.Store.Load(r.Context(), events.Stream{ID: e.StreamID, OrgID: o.tenant.OrgID, Livemode: o.tenant.Livemode})
		if err != nil {
			return nil, err
		}
		view, exists, err := clientKind.FoldView(history)
		if err != nil {
			return nil, err
		}
		if !exists { // deleted meanwhile
			continue
		}
		b, err := json.Marshal(view)
		if err != nil {
			return nil, err
		}
		var c clientSummary
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, err
		}
		missing = append(missing, c)
	}
	return append(missing, listed...), nil
}

// createClient runs command.CreateClient with the form decoded as the
// API's body of POST /v1/clients.
func (s *Dashboard) createClient(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	f := r.PostForm
	form := clientForm{LegalName: f.Get("legal_name"), TaxID: strings.TrimSpace(f.Get("tax_id")), TaxSystem: strings.TrimSpace(f.Get("tax_system")),
		Email: strings.TrimSpace(f.Get("email")), Zip: strings.TrimSpace(f.Get("zip"))}
	body := map[string]any{"legal_name": form.LegalName, "tax_id": form.TaxID}
	for k, v := range map[string]string{"tax_system": form.TaxSystem, "email": form.Email} {
		if v != "" {
			body[k] = v
		}
	}
	if form.Zip != "" {
		body["address"] = map[string]string{"zip": form.Zip}
	}
	var in invoicing.ClientInput
	err := decodeForm(body, &in)
	var c *invoicing.Client
	if err == nil {
		c, err = command.CreateClient(r.Context(), s.commands, o.tenant, s.meta(r, ss), in)
	}
	if err != nil {
		return s.renderClients(w, r, ss, o, httpapi.ErrorStatus(err), form, err)
	}
	http.Redirect(w, r, o.Base()+"/clients/"+c.ID, http.StatusSeeOther)
	return nil
}

// invoiceForm is the new draft invoice form as filled in: up to
// itemRows lines, a line without a description is left out.
type invoiceForm struct {
	Client, Series, PaymentForm, PaymentMethod, Currency, Notes string
	Items                                                       []itemForm
	// Spanish: the organization's documents follow Spanish law (IVA
	// rates of Spain, no SAT payment method).
	Spanish bool
}

// Taxes are the taxes a line can take in the form's country.
func (f invoiceForm) Taxes() []choice {
	if f.Spanish {
		return spanishTaxOptions
	}
	return taxOptions
}

type itemForm struct{ Description, Quantity, Price, Tax string }

// itemRows is how many lines the form offers.
const itemRows = 3

// taxChoices are the form's taxes of a line, as the API's "taxes".
var taxChoices = map[string][]map[string]string{
	"IVA21":  {{"type": "IVA", "rate": "0.21"}},
	"IVA10":  {{"type": "IVA", "rate": "0.10"}},
	"IVA4":   {{"type": "IVA", "rate": "0.04"}},
	"IVA16":  {{"type": "IVA", "rate": "0.16"}},
	"IVA8":   {{"type": "IVA", "rate": "0.08"}},
	"IVA0":   {{"type": "IVA", "rate": "0"}},
	"exempt": {{"type": "IVA", "factor": "Exento"}},
	"none":   {},
}

// choice is an option of a select: the API's code and what it means.
type choice struct{ Code, Name string }

// taxOptions are taxChoices in the order the form offers them.
var taxOptions = []choice{{"IVA16", "IVA 16 %"}, {"IVA8", "IVA 8 % (border)"}, {"IVA0", "IVA 0 %"}, {"exempt", "IVA exempt"}, {"none", "no tax"}}

// spanishTaxOptions are the IVA rates of Spain (docs/spain.md).
var spanishTaxOptions = []choice{{"IVA21", "IVA 21 %"}, {"IVA10", "IVA 10 %"}, {"IVA4", "IVA 4 %"}, {"IVA0", "IVA 0 %"}, {"exempt", "IVA exempt"}, {"none", "no tax"}}

// paymentForms are the SAT payment forms the form offers (the API takes
// any two-digit code).
var paymentForms = []choice{{"01", "Cash"}, {"02", "Nominative check"}, {"03", "Electronic funds transfer"},
	{"04", "Credit card"}, {"28", "Debit card"}, {"99", "To be defined (PPD)"}}

// newInvoiceForm is the empty form of an organization of country.
func newInvoiceForm(country jurisdiction.Country) invoiceForm {
	f := invoiceForm{Series: "A", PaymentForm: "03", PaymentMethod: "PUE", Currency: "MXN"}
	tax := "IVA16"
	if country == jurisdiction.ES {
		f.Spanish, f.PaymentMethod, f.Currency, tax = true, "", "EUR", "IVA21"
	}
	for range itemRows {
		f.Items = append(f.Items, itemForm{Quantity: "1", Tax: tax})
	}
	return f
}

// readInvoiceForm reads the posted form and the API body it stands for.
func readInvoiceForm(r *http.Request, country jurisdiction.Country) (invoiceForm, map[string]any) {
	f := r.PostForm
	form := invoiceForm{Spanish: country == jurisdiction.ES, Client: f.Get("client"), Series: strings.TrimSpace(f.Get("series")), PaymentForm: f.Get("payment_form"),
		PaymentMethod: f.Get("payment_method"), Currency: strings.TrimSpace(f.Get("currency")), Notes: f.Get("notes")}
	body := map[string]any{"client": form.Client, "series": form.Series, "currency": form.Currency}
	for k, v := range map[string]string{"payment_form": form.PaymentForm, "payment_method": form.PaymentMethod} {
		if v != "" {
			body[k] = v
		}
	}
	if strings.TrimSpace(form.Notes) != "" {
		body["notes"] = form.Notes
	}
	items := []any{}
	for i := range itemRows {
		at := func(name string) string {
			if v := f[name]; i < len(v) {
				return strings.TrimSpace(v[i])
			}
			return ""
		}
		it := itemForm{Description: at("item_description"), Quantity: at("item_quantity"), Price: at("item_price"), Tax: at("item_tax")}
		form.Items = append(form.Items, it)
		if it.Description == "" {
			continue
		}
		taxes, ok := taxChoices[it.Tax]
		if !ok {
			taxes = taxChoices["IVA16"]
		}
		product := map[string]any{"description": it.Description, "price": it.Price, "taxes": taxes}
		items = append(items, map[string]any{"product": product, "quantity": it.Quantity})
	}
	body["items"] = items
	return form, body
}

// createInvoice runs command.CreateInvoice with the form decoded as the
// API's body of POST /v1/invoices, and opens the new draft.
func (s *Dashboard) createInvoice(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	form, body := readInvoiceForm(r, o.org.Country)
	var in invoicing.InvoiceInput
	err := decodeForm(body, &in)
	var inv *invoicing.Invoice
	if err == nil {
		inv, err = command.CreateInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), in)
	}
	if err != nil {
		return s.renderDocuments(w, r, ss, o, invoiceKind, httpapi.ErrorStatus(err), &form, err)
	}
	http.Redirect(w, r, o.Base()+"/invoices/"+inv.ID, http.StatusSeeOther)
	return nil
}

// invoiceActions are the buttons of an invoice's page: each runs the
// command of the API's POST /v1/invoices/{id}/<name> (delete: DELETE
// /v1/invoices/{id}) with the form decoded as that route's body.
var invoiceActions = map[string]func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error{
	"issue": func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error {
		_, err := command.IssueInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), invoiceID, command.None{})
		return err
	},
	"delete": func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error {
		_, err := command.DeleteInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), invoiceID, command.None{})
		return err
	},
	"pay": func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error {
		var in invoicing.PaymentInput
		if err := decodeForm(formBody(r, "amount", "payment_form"), &in); err != nil {
			return err
		}
		_, err := command.PayInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), invoiceID, in)
		return err
	},
	"send": func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error {
		var in invoicing.SendInput
		body := map[string]any{}
		if to := fields(r.PostForm.Get("to")); to != nil {
			body["to"] = to
		}
		if err := decodeForm(body, &in); err != nil {
			return err
		}
		_, err := command.SendInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), invoiceID, in)
		return err
	},
	"void": func(s *Dashboard, r *http.Request, ss *session, o *orgPage, invoiceID string) error {
		var in invoicing.CancelInput
		if err := decodeForm(formBody(r, "reason", "substitution"), &in); err != nil {
			return err
		}
		_, err := command.VoidInvoice(r.Context(), s.commands, o.tenant, s.meta(r, ss), invoiceID, in)
		return err
	},
}

// formBody is the API body of the named form fields that are filled in.
func formBody(r *http.Request, names ...string) map[string]any {
	body := map[string]any{}
	for _, n := range names {
		if v := strings.TrimSpace(r.PostForm.Get(n)); v != "" {
			body[n] = v
		}
	}
	return body
}

// invoiceAction runs the action the path names on an invoice of o, and
// shows the invoice again: after a redirect when it succeeded (the list
// after a delete), refused with the API's status and message.
func (s *Dashboard) invoiceAction(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	act, ok := invoiceActions[r.PathValue("action")]
	invoiceID := r.PathValue("doc")
	if !ok || !invoicing.InvoiceKind.Has(invoiceID) {
		return facturo.Errorf(facturo.CodeRouteNotFound, "There is no dashboard page at %s.", r.URL.Path)
	}
	if err := act(s, r, ss, o, invoiceID); err != nil {
		return s.renderDocument(w, r, ss, o, invoiceKind, invoiceID, httpapi.ErrorStatus(err), err)
	}
	if r.PathValue("action") == "delete" {
		http.Redirect(w, r, o.Base()+"/invoices", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, o.Base()+"/invoices/"+invoiceID, http.StatusSeeOther)
	return nil
}
