package httpapi

import (
	"github.com/facturo/facturo/internal/id"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

func (s *Server) registerClientRoutes(r *mux.Router) {
	RegisterCRUD(s, r, Resource[*invoicing.Client, invoicing.ClientView, invoicing.ClientInput, invoicing.ClientPatch]{
		Object: "client", Plural: "clients", Prefix: id.Client,
		Fold:   invoicing.FoldClient,
		Create: invoicing.NewClient,
		Update: (*invoicing.Client).Update,
		Delete: (*invoicing.Client).Delete,
	})
}

func (s *Server) registerProductRoutes(r *mux.Router) {
	RegisterCRUD(s, r, Resource[*invoicing.Product, invoicing.ProductView, invoicing.ProductInput, invoicing.ProductPatch]{
		Object: "product", Plural: "products", Prefix: id.Product,
		Fold:   invoicing.FoldProduct,
		Create: invoicing.NewProduct,
		Update: (*invoicing.Product).Update,
		Delete: (*invoicing.Product).Delete,
	})
}
