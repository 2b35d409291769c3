package httpapi

import (
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/invoicing"
	"github.com/gorilla/mux"
)

func (s *Server) registerRetentionRoutes(r *mux.Router) {
	o := routesOf(s, r, invoicing.RetentionKind)
	create(o, command.CreateRetention)
	o.list(true)
	o.get()
	act(o, "POST", "/issue", "write", command.IssueRetention)
	act(o, "POST", "/cancel", "write", command.CancelRetention)
	act(o, "POST", "/send", "send", command.SendRetention)
}
