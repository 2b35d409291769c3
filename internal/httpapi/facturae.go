package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/facturae"
	"github.com/facturo/facturo/internal/invoicing"
)

// registerFacturaeRoutes adds GET /v1/invoices/{id}/facturae: the
// Facturae 3.2.2 XML of an issued invoice of an ES organization, unsigned.
// Reading it is reading the invoice: the key needs invoices:read.
func (s *Server) registerFacturaeRoutes(r *mux.Router) {
	s.Handle(r, Route{Method: "GET", Path: "/v1/invoices/{id}/facturae", Auth: AuthOrg, Scope: "invoices:read"}, s.facturae)
}

func (s *Server) facturae(w http.ResponseWriter, r *http.Request) error {
	if !acceptsType(r.Header.Values("Accept"), "application/xml") {
		return facturo.Errorf(facturo.CodeNotAcceptable, "This route answers application/xml only; the Accept header does not allow it.")
	}
	inv, err := loadObject(r, s.Store, invoicing.InvoiceKind)
	if err != nil {
		return err
	}
	orgID := tenant(r).OrgID
	history, err := s.Store.Load(r.Context(), accountStream(orgID, orgID))
	if err != nil {
		return err
	}
	org, err := accounts.FoldOrganization(history)
	if err != nil {
		return err
	}
	body, err := facturae.Marshal(org, inv)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if matchesETag(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": facturaeFilename(inv)}))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// facturaeFilename is the invoice's number, or its id, as an .xml file.
func facturaeFilename(inv *invoicing.Invoice) string {
	name := inv.ID
	if inv.Number != "" {
		name = inv.Number
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name) + ".xml"
}
