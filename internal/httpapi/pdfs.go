package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/pdf"
)

// registerPDFRoutes adds GET /v1/<plural>/{id}/pdf for each of pdf.Kinds:
// the document as a PDF, now or ?as_of a moment. The key needs pdfs:read
// and the document's own read scope: a PDF is a way to read it.
func (s *Server) registerPDFRoutes(r *mux.Router) {
	for _, o := range pdf.Kinds {
		s.Handle(r, Route{Method: "GET", Path: "/v1/" + o.Plural + "/{id}/pdf", Auth: AuthOrg,
			Scope: "pdfs:read", AlsoScope: o.Scope + ":read"}, s.pdf(o.Name))
	}
}

func (s *Server) pdf(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !acceptsPDF(r.Header.Values("Accept")) {
			return facturo.Errorf(facturo.CodeNotAcceptable, "This route answers application/pdf only; the Accept header does not allow it.")
		}
		asOf, err := timeParam(r, "as_of")
		if err != nil {
			return err
		}
		if s.PDF == nil {
			return errors.New("pdf: no renderer configured")
		}
		t, objID := tenant(r), mux.Vars(r)["id"]
		var version int64
		if !asOf.IsZero() {
			if version, err = s.PDF.VersionAt(r.Context(), t, kind, objID, asOf); err != nil {
				return err
			}
		}
		doc, err := s.PDF.Load(r.Context(), t, kind, objID, version)
		if err != nil {
			return err
		}
		etag := doc.ETag()
		w.Header().Set("ETag", etag)
		// Kept by the client and asked again each time: an unchanged
		// document answers 304 without being rendered.
		w.Header().Set("Cache-Control", "private, no-cache")
		if matchesETag(r.Header.Values("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		body, err := pdf.Render(doc)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": doc.Filename()}))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return nil
	}
}

// acceptsPDF reports whether Accept allows application/pdf (no header
// allows anything).
func acceptsPDF(accept []string) bool { return acceptsType(accept, "application/pdf") }

// acceptsType reports whether Accept allows an application/ media type (no
// header allows anything; q=0 refuses).
func acceptsType(accept []string, mediaType string) bool {
	if len(accept) == 0 {
		return true
	}
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
				continue
			}
			if mt == mediaType || mt == "application/*" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

// matchesETag reports whether If-None-Match names etag (weakly, as RFC
// 9110 asks for GET) or is *.
func matchesETag(inm []string, etag string) bool {
	for _, h := range inm {
		for _, v := range strings.Split(h, ",") {
			v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
			if v == "*" || v == etag {
				return true
			}
		}
	}
	return false
}
