package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerQuoteRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.QuoteKind)
	invoices := routesOf(s, r, invoicing.InvoiceKind)
	create(o, command.CreateQuote)
	o.list(true)
	o.getAsOf()
	act(o, "PATCH", "", "write", command.UpdateQuote)
	act(o, "DELETE", "", "delete", command.DeleteQuote)
	act(o, "POST", "/send", "send", command.SendQuote)
	act(o, "POST", "/accept", "transition", command.AcceptQuote)
	act(o, "POST", "/reject", "transition", command.RejectQuote)
	derive(o, "/convert", "transition", invoices, command.ConvertQuote)

	// The public link: no key, the token is the credential.
	s.Handle(r, Route{Method: "GET", Path: "/public/quotes/{token}", Auth: AuthNone}, s.publicQuote)
	s.Handle(r, Route{Method: "POST", Path: "/public/quotes/{token}/accept", Auth: AuthNone}, s.answerPublicQuote(true))
	s.Handle(r, Route{Method: "POST", Path: "/public/quotes/{token}/reject", Auth: AuthNone}, s.answerPublicQuote(false))
}

// tokenPattern is the shape of a link token (two crypto/rand.Text).
var tokenPattern = regexp.MustCompile(`^[A-Z2-7]{52}$`)

// quoteLink finds the quote the path's token names: not found for an
// unknown token (or one of another shape), link_expired once the link's
// time is over.
func (s *Server) quoteLink(r *http.Request) (postgres.QuoteLink, error) {
	token := mux.Vars(r)["token"]
	if !tokenPattern.MatchString(token) {
		return postgres.QuoteLink{}, facturo.Errorf(facturo.CodeNotFound, "No quote has this link.")
	}
	link, err := s.Store.FindQuoteLink(r.Context(), command.TokenSHA256(token))
	if err != nil {
		return link, err
	}
	if !s.Now().Before(link.ExpiresAt) {
		return link, facturo.Errorf(facturo.CodeLinkExpired, "This link expired at %s; ask for a new quote.", link.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return link, nil
}

// publicQuote answers the quote a public link names, as its client reads
// it.
func (s *Server) publicQuote(w http.ResponseWriter, r *http.Request) error {
	v, err := s.linkedQuote(r)
	if wantsHTML(r) {
		return writeQuotePage(w, r, http.StatusOK, v, err)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// linkedQuote is the public view of the quote the path's link names.
func (s *Server) linkedQuote(r *http.Request) (*invoicing.PublicQuoteView, error) {
	link, err := s.quoteLink(r)
	if err != nil {
		return nil, err
	}
	history, err := s.Store.Load(r.Context(), events.Stream{ID: link.QuoteID, OrgID: link.Tenant.OrgID, Livemode: link.Tenant.Livemode})
	if err != nil {
		return nil, err
	}
	q, err := invoicing.QuoteKind.FoldExisting(link.QuoteID, history)
	if err != nil {
		return nil, err
	}
	v := q.PublicView()
	return &v, nil
}

// answerPublicQuote accepts or rejects the quote a public link names,
// recording the client's IP and the time.
func (s *Server) answerPublicQuote(accept bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if wantsHTML(r) {
			return s.answerPublicQuoteForm(w, r, accept)
		}
		var in invoicing.AnswerInput
		if err := decode(r, &in); err != nil {
			return err
		}
		q, err := s.answerLinkedQuote(r, accept, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, q.PublicView())
		return nil
	}
}

// answerPublicQuoteForm answers the quote page's form: the same answer as
// the JSON call, then back to the page (303), or the page with why it was
// refused.
func (s *Server) answerPublicQuoteForm(w http.ResponseWriter, r *http.Request, accept bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The form could not be read.")
	}
	var in invoicing.AnswerInput
	body := []byte("{}")
	if reason := strings.TrimSpace(r.PostForm.Get("reason")); reason != "" {
		body, _ = json.Marshal(map[string]string{"reason": reason}) // a string map always encodes
	}
	err := decodeBytes(body, &in)
	if err == nil {
		_, err = s.answerLinkedQuote(r, accept, in)
	}
	if err != nil {
		v, readErr := s.linkedQuote(r)
		if readErr != nil {
			v = nil
		}
		return writeQuotePage(w, r, http.StatusOK, v, err)
	}
	http.Redirect(w, r, quotePagePath(r), http.StatusSeeOther)
	return nil
}

// answerLinkedQuote accepts or rejects the quote the path's link names,
// recording the client's IP and the time.
func (s *Server) answerLinkedQuote(r *http.Request, accept bool, in invoicing.AnswerInput) (*invoicing.Quote, error) {
	link, err := s.quoteLink(r)
	if err != nil {
		return nil, err
	}
	m := s.commandMeta(r, nil)
	m.Source = invoicing.ViaPublicLink
	if ip := clientIP(r, s.Auth.TrustProxies); ip.IsValid() {
		m.IP = ip.String()
	}
	return command.AnswerQuote(r.Context(), s.commands, link.Tenant, m, link.QuoteID, accept,
		invoicing.Answer{Via: invoicing.ViaPublicLink, Reason: in.Reason})
}
