package httpapi

import (
	"net/http"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

// registerInvoicingRoutes adds series, invoices, receipts, retentions,
// recurring invoices and the history of every invoicing object.
func (s *Server) registerInvoicingRoutes(r *mux.Router) {
	s.registerSeriesRoutes(r)
	s.registerInvoiceRoutes(r)
	s.registerReceiptRoutes(r)
	s.registerRetentionRoutes(r)
	s.registerRecurringRoutes(r)
	s.registerHistoryRoutes(r)
}

func (s *Server) registerInvoiceRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.InvoiceKind)
	create(o, command.CreateInvoice)
	o.list(true)
	o.read("/{id}", s.getInvoice)
	act(o, "PATCH", "", "write", command.UpdateInvoice)
	act(o, "DELETE", "", "delete", command.DeleteInvoice)
	act(o, "POST", "/issue", "write", command.IssueInvoice)
	act(o, "POST", "/pay", "write", command.PayInvoice)
	act(o, "POST", "/void", "void", command.VoidInvoice)
	act(o, "POST", "/send", "send", command.SendInvoice)
	derive(o, "/duplicate", "write", o, command.DuplicateInvoice)
	derive(o, "/corrective", "write", o, command.CorrectInvoice)
}

// getInvoice answers the invoice now, or as it was at ?as_of: the fold of
// the events recorded up to that moment (404 if it did not exist yet).
func (s *Server) getInvoice(w http.ResponseWriter, r *http.Request) error {
	asOf, err := timeParam(r, "as_of")
	if err != nil {
		return err
	}
	k := invoicing.InvoiceKind
	if asOf.IsZero() {
		inv, err := loadObject(r, s.Store, k)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, inv.View())
		return nil
	}
	objID := mux.Vars(r)["id"]
	if !k.Has(objID) {
		return facturo.NotFound(k.Name, objID)
	}
	history, err := s.Store.LoadAsOf(r.Context(), orgStream(r, objID), asOf)
	if err != nil {
		return err
	}
	k.Fold = func(h []events.Event) (*invoicing.Invoice, error) { return invoicing.FoldInvoiceAsOf(h, asOf) }
	inv, err := k.FoldExisting(objID, history)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv.View())
	return nil
}
