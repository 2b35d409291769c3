package dashboard

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
)

// orgView is the organization and mode a page is about, for the header:
// its name, the live/test switch and the section links.
type orgView struct {
	ID       string
	Name     string
	Mode     string // "live" or "test"
	Livemode bool
	Section  string // "keys", "events", "audit": the active link
}

// Base is the URL of this organization and mode's pages.
func (o *orgView) Base() string { return Prefix + "/organizations/" + o.ID + "/" + o.Mode }

// Switch is the same section in the other mode.
func (o *orgView) Switch() string {
	other := "live"
	if o.Livemode {
		other = "test"
	}
	return Prefix + "/organizations/" + o.ID + "/" + other + "/" + o.Section
}

// orgPage is one organization and mode of the signed-in user.
type orgPage struct {
	*orgView
	org    *accounts.Organization
	tenant facturo.Tenant
}

// orgHandler is a page of one organization and mode.
type orgHandler func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error

// inOrg runs fn for an organization the signed-in user owns, in the mode
// of the URL. Any other organization, the user's or not, reads as not
// found, the same answer the API gives.
func (s *Dashboard) inOrg(section string, fn orgHandler) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, ss *session) error {
		mode := r.PathValue("mode")
		if mode != "live" && mode != "test" {
			return facturo.Errorf(facturo.CodeRouteNotFound, "There is no dashboard page at %s.", r.URL.Path)
		}
		o, err := command.OwnedOrganization(r.Context(), s.commands, ss.who.UserID, r.PathValue("org"))
		if err != nil {
			return err
		}
		live := mode == "live"
		return fn(w, r, ss, &orgPage{
			orgView: &orgView{ID: o.ID, Name: o.Name, Mode: mode, Livemode: live, Section: section},
			org:     o, tenant: facturo.Tenant{OrgID: o.ID, Livemode: live},
		})
	})
}

// page is the view of a page of o.
func (o *orgPage) page(ss *session, title string, data any) view {
	return view{Title: title, CSRF: ss.csrf, Signed: true, Org: o.orgView, Data: data}
}

func (s *Dashboard) organizations(w http.ResponseWriter, r *http.Request, ss *session) error {
	return s.renderOrganizations(w, r, ss, http.StatusOK, orgForm{}, nil)
}

// orgForm is the create form as filled in.
type orgForm struct{ Name, LegalName, TaxID, Country string }

type organizationsData struct {
	Orgs list[accounts.OrganizationView]
	Form orgForm
}

func (s *Dashboard) renderOrganizations(w http.ResponseWriter, r *http.Request, ss *session, status int, form orgForm, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	orgs, more, err := s.Accounts.ListOrganizations(r.Context(), ss.who.UserID, p)
	if err != nil {
		return err
	}
	v := view{Title: "Organizations", CSRF: ss.csrf, Signed: true, Data: organizationsData{Form: form,
		Orgs: pager(orgs, more, p, func(o accounts.OrganizationView) string { return o.ID })}}
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "organizations", v)
	return nil
}

// createOrganization runs command.CreateOrganization with the form decoded
// as the API's body of POST /v1/organizations, and opens the new
// organization.
func (s *Dashboard) createOrganization(w http.ResponseWriter, r *http.Request, ss *session) error {
	f := r.PostForm
	form := orgForm{Name: f.Get("name"), LegalName: f.Get("legal_name"), TaxID: f.Get("tax_id"), Country: f.Get("country")}
	body := map[string]any{"name": form.Name, "legal_name": form.LegalName, "tax_id": form.TaxID}
	if form.Country != "" {
		body["country"] = form.Country
	}
	var in accounts.OrganizationInput
	err := decodeForm(body, &in)
	var o *accounts.Organization
	if err == nil {
		o, err = command.CreateOrganization(r.Context(), s.commands, ss.who.UserID, s.meta(r, ss), in)
	}
	if err != nil {
		return s.renderOrganizations(w, r, ss, httpapi.ErrorStatus(err), form, err)
	}
	http.Redirect(w, r, Prefix+"/organizations/"+o.ID, http.StatusSeeOther)
	return nil
}

// organization opens an organization in test mode: the mode without
// external effects.
func (s *Dashboard) organization(w http.ResponseWriter, r *http.Request, ss *session) error {
	o, err := command.OwnedOrganization(r.Context(), s.commands, ss.who.UserID, r.PathValue("org"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/organizations/"+o.ID+"/test/keys", http.StatusSeeOther)
	return nil
}

// meta is the metadata of the events a dashboard action appends: the
// user's key, as for the API, with source "dashboard".
func (s *Dashboard) meta(r *http.Request, ss *session) command.Meta {
	m := events.Metadata{RequestID: httpapi.RequestID(r.Context()), KeyID: ss.who.KeyID, UserID: ss.who.UserID, Source: "dashboard"}
	if ss.who.IP.IsValid() {
		m.IP = ss.who.IP.String()
	}
	return command.Meta{Metadata: m, Now: s.Now()}
}

// list is one page of a list with the cursors of its neighbours.
type list[T any] struct {
	Items []T
	Next  string // starting_after for the next (older) page; "" on the last
	Prev  string // ending_before for the previous page; "" on the first
	// Filter is the query of the list's filters, "k=v&...&" or "", that
	// the page links keep.
	Filter template.URL
}

// keep makes the pager links of l keep the non-empty filters of q.
func (l *list[T]) keep(q url.Values) {
	kept := url.Values{}
	for k, v := range q {
		if len(v) > 0 && v[0] != "" && k != "starting_after" && k != "ending_before" {
			kept.Set(k, v[0])
		}
	}
	if len(kept) > 0 {
		l.Filter = template.URL(kept.Encode() + "&")
	}
}

// pager turns a page of items into a list with its cursors.
func pager[T any](items []T, more bool, p postgres.Page, id func(T) string) list[T] {
	l := list[T]{Items: items}
	if len(items) == 0 {
		return l
	}
	backwards := p.EndingBefore != ""
	if more || backwards {
		l.Next = id(items[len(items)-1])
	}
	if p.StartingAfter != "" || (backwards && more) {
		l.Prev = id(items[0])
	}
	return l
}

// pageOf reads the list cursors of a page's URL (20 items a page).
func pageOf(r *http.Request) (postgres.Page, error) {
	q := r.URL.Query()
	p := postgres.Page{Limit: 20, StartingAfter: q.Get("starting_after"), EndingBefore: q.Get("ending_before")}
	if p.StartingAfter != "" && p.EndingBefore != "" {
		return p, facturo.ParamError(facturo.CodeParameterInvalid, "ending_before",
			"starting_after and ending_before cannot be used together.")
	}
	return p, nil
}
