package httpapi

import (
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

func (s *Server) registerClientRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.ClientKind)
	create(o, command.CreateClient)
	o.list(false)
	o.get()
	act(o, "PATCH", "", "write", command.UpdateClient)
	act(o, "DELETE", "", "delete", command.DeleteClient)
}

func (s *Server) registerProductRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.ProductKind)
	create(o, command.CreateProduct)
	o.list(false)
	o.get()
	act(o, "PATCH", "", "write", command.UpdateProduct)
	act(o, "DELETE", "", "delete", command.DeleteProduct)
}

func (s *Server) registerTaxRateRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.TaxRateKind)
	create(o, command.CreateTaxRate)
	o.list(false)
	o.getAsOf()
	act(o, "PATCH", "", "write", command.UpdateTaxRate)
	act(o, "DELETE", "", "delete", command.DeleteTaxRate)
}
