package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

// Recurring invoices: templates the worker turns into invoices
// (internal/recurring). Pause and resume are transitions; generate makes
// an invoice now, so it has a scope of its own.
func (s *Server) registerRecurringRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.RecurringKind)
	create(o, command.CreateRecurringInvoice)
	o.list(true)
	o.getAsOf()
	o.read("/{id}/preview", s.previewRecurringInvoice)
	act(o, "PATCH", "", "write", command.UpdateRecurringInvoice)
	act(o, "DELETE", "", "delete", command.DeleteRecurringInvoice)
	act(o, "POST", "/pause", "transition", command.PauseRecurringInvoice)
	act(o, "POST", "/resume", "transition", command.ResumeRecurringInvoice)
	derive(o, "/generate", "generate", routesOf(s, r, invoicing.InvoiceKind), command.GenerateRecurringInvoice)
}

// RecurringPreview is the answer of GET /v1/recurring_invoices/{id}/preview.
type RecurringPreview struct {
	Object string      `json:"object"` // "recurring_invoice_preview"
	Dates  []time.Time `json:"dates"`
}

// previewRecurringInvoice answers when the next ?count (default 5)
// scheduled periods fall.
func (s *Server) previewRecurringInvoice(w http.ResponseWriter, r *http.Request) error {
	n := 5
	if q := r.URL.Query().Get("count"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n < 1 || n > 100 {
			return facturo.ParamError(facturo.CodeParameterInvalid, "count", "count must be an integer from 1 to 100.")
		}
	}
	tpl, err := loadObject(r, s.Store, invoicing.RecurringKind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RecurringPreview{Object: "recurring_invoice_preview", Dates: tpl.Preview(n)})
	return nil
}
