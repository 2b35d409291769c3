package httpapi

import (
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

func (s *Server) registerProformaRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.ProformaKind)
	invoices := routesOf(s, r, invoicing.InvoiceKind)
	create(o, command.CreateProforma)
	o.list(true)
	o.getAsOf()
	act(o, "PATCH", "", "write", command.UpdateProforma)
	act(o, "DELETE", "", "delete", command.DeleteProforma)
	act(o, "POST", "/issue", "transition", command.IssueProforma)
	act(o, "POST", "/cancel", "transition", command.CancelProforma)
	act(o, "POST", "/send", "send", command.SendProforma)
	derive(o, "/convert", "transition", invoices, command.ConvertProforma)
}
