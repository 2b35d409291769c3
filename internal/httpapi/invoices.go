package httpapi

import (
	"context"
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerInvoiceRoutes(r *mux.Router) {
	const base = "/v1/invoices"
	k := invoiceKind
	route := func(method, path, scope string, fn handlerFunc) {
		s.Handle(r, Route{Method: method, Path: base + path, Auth: AuthOrg, Scope: "invoices:" + scope}, fn)
	}
	route("POST", "", "write", createHandler(s, k, s.decideNewInvoice))
	route("GET", "", "read", k.list(s))
	route("GET", "/{id}", "read", s.getInvoice)
	route("PATCH", "/{id}", "write", k.actHandler(s, s.decideInvoiceUpdate))
	route("DELETE", "/{id}", "delete", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, _ *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
		return inv.Delete()
	}))
	route("POST", "/{id}/issue", "write", k.actHandler(s, s.decideIssue))
	route("POST", "/{id}/pay", "write", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
		var in invoicing.PaymentInput
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		return inv.Pay(in, s.Now())
	}))
	route("POST", "/{id}/void", "void", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
		var in invoicing.CancelInput
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		return inv.Cancel(in, s.Now())
	}))
	route("POST", "/{id}/send", "send", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
		var in invoicing.SendInput
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		return inv.Send(in, s.Now())
	}))
	route("POST", "/{id}/duplicate", "write", createHandler(s, k, s.decideDuplicate))
	route("POST", "/{id}/corrective", "write", s.correctInvoice)
}

func (s *Server) decideNewInvoice(ctx context.Context, tx *postgres.Tx, r *http.Request, in invoicing.InvoiceInput) ([]events.Draft, error) {
	if in.Global != nil {
		return nil, facturo.ParamError(facturo.CodeParameterInvalid, "global",
			"Global invoices are made from open receipts with POST /v1/receipts/global_invoice.")
	}
	client, err := loadClient(ctx, tx, r, in.Client)
	if err != nil {
		return nil, err
	}
	products, err := loadProducts(ctx, tx, r, in.Items)
	if err != nil {
		return nil, err
	}
	return invoicing.NewInvoice(in, client, products)
}

func (s *Server) decideInvoiceUpdate(ctx context.Context, tx *postgres.Tx, r *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
	var p invoicing.InvoicePatch
	if err := decode(r, &p); err != nil {
		return nil, err
	}
	var client *invoicing.Client
	var products map[string]*invoicing.Product
	var err error
	if p.Client != nil {
		if client, err = loadClient(ctx, tx, r, *p.Client); err != nil {
			return nil, err
		}
	}
	if p.Items != nil {
		if products, err = loadProducts(ctx, tx, r, *p.Items); err != nil {
			return nil, err
		}
	}
	return inv.Update(p, client, products)
}

// decideIssue takes the next number of the invoice's series in the
// transaction that appends invoice.issued: see postgres.TakeNumber.
func (s *Server) decideIssue(ctx context.Context, tx *postgres.Tx, r *http.Request, inv *invoicing.Invoice) ([]events.Draft, error) {
	if err := decode(r, &struct{}{}); err != nil {
		return nil, err
	}
	if inv.Status != invoicing.StatusDraft { // let the decision refuse before taking a number
		return inv.Issue(nil, 1, s.Now())
	}
	series, number, err := takeNumber(ctx, tx, r, inv.Series)
	if err != nil {
		return nil, err
	}
	return inv.Issue(series, number, s.Now())
}

// takeNumber takes the next number of a series and folds the series object
// that owns the code, if one was created (nil otherwise).
func takeNumber(ctx context.Context, tx *postgres.Tx, r *http.Request, code string) (*invoicing.Series, int64, error) {
	c, number, err := postgres.TakeNumber(ctx, tx, tenant(r), code)
	if err != nil || c.SeriesID == "" {
		return nil, number, err
	}
	history, err := tx.Load(ctx, orgStream(r, c.SeriesID))
	if err != nil {
		return nil, 0, err
	}
	series, err := invoicing.FoldSeries(history)
	return series, number, err
}

// getInvoice answers the invoice now, or as it was at ?as_of: the fold of
// the events recorded up to that moment (404 if it did not exist yet).
func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	asOf, err := timeParam(r, "as_of")
	if err != nil {
		return err
	}
	if asOf.IsZero() {
		return invoiceKind.get(s)(w, r)
	}
	objID, err := invoiceKind.pathID(r)
	if err != nil {
		return err
	}
	history, err := s.Store.LoadAsOf(r.Context(), orgStream(r, objID), asOf)
	if err != nil {
		return err
	}
	inv, err := FoldExisting(history, "invoice", objID, func(h []events.Event) (*invoicing.Invoice, error) {
		return invoicing.FoldInvoiceAsOf(h, asOf)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv.View())
	return nil
}

// decideDuplicate copies an invoice's content into a new draft; it takes
// no parameters (an empty body).
func (s *Server) decideDuplicate(ctx context.Context, tx *postgres.Tx, r *http.Request, _ struct{}) ([]events.Draft, error) {
	objID, err := invoiceKind.pathID(r)
	if err != nil {
		return nil, err
	}
	inv, _, err := invoiceKind.loadIn(ctx, tx, r, objID, "id")
	if err != nil {
		return nil, err
	}
	return inv.Duplicate()
}

// correctInvoice issues a credit note against an invoice: the note's stream
// and the original's invoice.corrected are appended in one transaction, the
// original's at the version read, so two concurrent corrections can never
// together credit more than the invoice's total. Answers the credit note.
func (s *Server) correctInvoice(w http.ResponseWriter, r *http.Request) error {
	var in invoicing.CorrectionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	objID, err := invoiceKind.pathID(r)
	if err != nil {
		return err
	}
	var note []events.Event
	_, err = s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
		ctx := r.Context()
		inv, history, err := invoiceKind.loadIn(ctx, tx, r, objID, "id")
		if err != nil {
			return err
		}
		if inv.Status != invoicing.StatusValid && inv.Status != invoicing.StatusPaid {
			_, err := inv.Correct(in, "", nil, 1, s.Now()) // refuses before a number is taken
			return err
		}
		series, number, err := takeNumber(ctx, tx, r, inv.CreditNoteSeries(in))
		if err != nil {
			return err
		}
		noteID := id.New(id.Invoice)
		c, err := inv.Correct(in, noteID, series, number, s.Now())
		if err != nil {
			return err
		}
		if note, err = tx.Append(ctx, orgStream(r, noteID), 0, c.CreditNote...); err != nil {
			return err
		}
		_, err = tx.Append(ctx, orgStream(r, objID), len(history), c.Original...)
		return err
	})
	if err != nil {
		return err
	}
	return invoiceKind.answer(w, http.StatusCreated, note)
}
