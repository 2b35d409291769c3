package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/gorilla/mux"
)

func (s *Server) registerReceiptRoutes(r *mux.Router) {
	const base = "/v1/receipts"
	k := receiptKind
	route := func(method, path, scope string, fn handlerFunc) {
		s.Handle(r, Route{Method: method, Path: base + path, Auth: AuthOrg, Scope: "receipts:" + scope}, fn)
	}
	route("POST", "", "write", createHandler(s, k, func(ctx context.Context, tx *postgres.Tx, r *http.Request, in invoicing.ReceiptInput) ([]events.Draft, error) {
		products, err := loadProducts(ctx, tx, r, in.Items)
		if err != nil {
			return nil, err
		}
		return invoicing.NewReceipt(in, products)
	}))
	route("GET", "", "read", k.list(s))
	route("POST", "/global_invoice", "write", s.globalInvoice)
	route("GET", "/{id}", "read", k.get(s))
	route("POST", "/{id}/invoice", "write", s.invoiceReceipt)
	route("POST", "/{id}/cancel", "write", k.actHandler(s, func(_ context.Context, _ *postgres.Tx, r *http.Request, rc *invoicing.Receipt) ([]events.Draft, error) {
		if err := decode(r, &struct{}{}); err != nil {
			return nil, err
		}
		return rc.Cancel()
	}))
}

// invoiceReceipt makes the draft invoice of an open receipt for a client
// and marks the receipt invoiced_to_customer, in one transaction (the
// receipt's at the version read: a receipt is invoiced once). Answers the
// invoice.
func (s *Server) invoiceReceipt(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Client string `json:"client"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	rid, err := receiptKind.pathID(r)
	if err != nil {
		return err
	}
	var created []events.Event
	_, err = s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
		ctx := r.Context()
		rc, history, err := receiptKind.loadIn(ctx, tx, r, rid, "id")
		if err != nil {
			return err
		}
		invIn, err := rc.CustomerInvoiceInput(in.Client)
		if err != nil {
			return err
		}
		client, err := loadClient(ctx, tx, r, in.Client)
		if err != nil {
			return err
		}
		drafts, err := invoicing.NewInvoice(invIn, client, nil)
		if err != nil {
			return err
		}
		if created, err = invoiceKind.create(ctx, tx, r, drafts); err != nil {
			return err
		}
		marked, err := rc.InvoiceToCustomer(created[0].StreamID)
		if err != nil {
			return err
		}
		_, err = tx.Append(ctx, orgStream(r, rid), len(history), marked...)
		return err
	})
	if err != nil {
		return err
	}
	return invoiceKind.answer(w, http.StatusCreated, created)
}

// maxGlobalReceipts bounds the receipts of one global invoice (each has at
// least one line, and an invoice at most invoicing.MaxItems).
const maxGlobalReceipts = invoicing.MaxItems

// globalInvoice bundles the open receipts created in a period into one draft
// invoice to the general public and marks each invoiced_globally, in one
// transaction. The candidates come from the receipts list (the documents
// projection); each is then folded from its events in the transaction, left
// out if it is no longer open, and appended to at the version read, so a
// receipt invoiced or canceled by a concurrent request fails this one
// (version_conflict) instead of being invoiced twice.
func (s *Server) globalInvoice(w http.ResponseWriter, r *http.Request) error {
	var period invoicing.GlobalInfo
	if err := decode(r, &period); err != nil {
		return err
	}
	period, err := period.Normalize()
	if err != nil {
		return topLevelParam(err)
	}
	docs, more, err := s.Documents.List(r.Context(), tenant(r), receiptKind.object, postgres.DocumentFilter{
		Status: invoicing.ReceiptOpen, CreatedGTE: period.From, CreatedLTE: period.To,
	}, postgres.Page{Limit: maxGlobalReceipts})
	if err != nil {
		return err
	}
	if more {
		return facturo.ParamError(facturo.CodeParameterInvalid, "to",
			"The period has more than %d open receipts; split it.", maxGlobalReceipts)
	}
	ids, err := decodeIDs(docs)
	if err != nil {
		return err
	}
	var created []events.Event
	_, err = s.Store.Run(r.Context(), meta(r), func(tx *postgres.Tx) error {
		created, err = s.appendGlobalInvoice(r.Context(), tx, r, ids, period)
		return err
	})
	if err != nil {
		return topLevelParam(err)
	}
	return invoiceKind.answer(w, http.StatusCreated, created)
}

func (s *Server) appendGlobalInvoice(ctx context.Context, tx *postgres.Tx, r *http.Request, ids []string, period invoicing.GlobalInfo) ([]events.Event, error) {
	var receipts []*invoicing.Receipt
	var versions []int
	for _, rid := range ids {
		rc, history, err := receiptKind.loadIn(ctx, tx, r, rid, "receipts")
		if err != nil {
			return nil, err
		}
		if rc.Status != invoicing.ReceiptOpen { // the list lagged behind an invoice or a cancel
			continue
		}
		receipts, versions = append(receipts, rc), append(versions, len(history))
	}
	in, err := invoicing.GlobalInvoiceInput(receipts, period)
	if err != nil {
		return nil, err
	}
	drafts, err := invoicing.NewInvoice(in, nil, nil)
	if err != nil {
		return nil, err
	}
	created, err := invoiceKind.create(ctx, tx, r, drafts)
	if err != nil {
		return nil, err
	}
	for i, rc := range receipts {
		marked, err := rc.InvoiceGlobally(created[0].StreamID)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Append(ctx, orgStream(r, rc.ID), versions[i], marked...); err != nil {
			return nil, err
		}
	}
	return created, nil
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
