package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerReceiptRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.ReceiptKind)
	invoices := routesOf(s, r, invoicing.InvoiceKind)
	create(o, command.CreateReceipt)
	o.list(true)
	o.handle("POST", "/global_invoice", "write", runCommand(s, true,
		func(r *http.Request, m command.Meta, period invoicing.GlobalInfo) (*invoicing.Invoice, error) {
			inv, err := command.GlobalInvoice(r.Context(), s.commands, s.openReceipts, tenant(r), m, period)
			return inv, topLevelParam(err)
		}, invoices.answer(http.StatusCreated)))
	o.get()
	derive(o, "/invoice", "write", invoices, command.InvoiceReceipt)
	act(o, "POST", "/cancel", "write", command.CancelReceipt)
	act(o, "POST", "/send", "send", command.SendReceipt)
}

// openReceipts finds the candidates of a global invoice in the receipts
// list (the documents projection): see command.GlobalInvoice.
func (s *Server) openReceipts(ctx context.Context, t facturo.Tenant, from, to time.Time, limit int) ([]string, bool, error) {
	docs, more, err := s.Documents.List(ctx, t, invoicing.ReceiptKind.Name, postgres.DocumentFilter{
		Status: invoicing.ReceiptOpen, CreatedGTE: from, CreatedLTE: to,
	}, postgres.Page{Limit: limit})
	if err != nil {
		return nil, false, err
	}
	ids, err := decodeIDs(docs)
	return ids, more, err
}

// topLevelParam renames the domain's "global.x" params: this request's body
// is the period itself.
func topLevelParam(err error) error {
	var e *facturo.Error
	if errors.As(err, &e) && strings.HasPrefix(e.Param, "global.") {
		c := *e
		c.Param = strings.TrimPrefix(e.Param, "global.")
		return &c
	}
	return err
}
