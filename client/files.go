package client

import (
	"context"
	"net/http"
	"time"
)

// File is a document the API answers as bytes: a PDF, a Facturae XML.
type File struct {
	Filename    string // from Content-Disposition, e.g. "A-12.pdf"
	ContentType string // application/pdf
	ETag        string // send it back in PDFParams.IfNoneMatch
	// NotModified is true when IfNoneMatch named the current ETag: the
	// server sent no bytes, the copy the caller holds is current.
	NotModified bool
	Body        []byte
}

// PDFParams chooses which PDF of a document to get.
type PDFParams struct {
	AsOf        time.Time // the document as it was then; zero: now
	IfNoneMatch string    // an ETag of an earlier answer: NotModified while it is current
}

// rawBody is a request body sent as it is (a logo), not as JSON.
type rawBody struct {
	contentType string
	data        []byte
}

func pdf(ctx context.Context, c *Client, path, id string, p PDFParams) (*File, error) {
	path += "/" + esc(id) + "/pdf"
	if !p.AsOf.IsZero() {
		path += "?" + asOfQuery(p.AsOf)
	}
	var opts []RequestOption
	if p.IfNoneMatch != "" {
		opts = append(opts, func(r *http.Request) { r.Header.Set("If-None-Match", p.IfNoneMatch) })
	}
	f := &File{}
	if err := c.do(ctx, http.MethodGet, path, nil, f, opts...); err != nil {
		return nil, err
	}
	return f, nil
}

// PDF is the invoice (or credit note) as a PDF: issuer, client, lines,
// taxes, totals and the total in words; "DRAFT", "CANCELED" or "TEST
// MODE — NO FISCAL VALIDITY" across drafts, canceled and test documents.
// The key needs pdfs:read and invoices:read.
func (s *Invoices) PDF(ctx context.Context, id string, p PDFParams) (*File, error) {
	return pdf(ctx, s.c, s.path, id, p)
}

// Facturae is the Facturae 3.2.2 XML of an issued invoice of an ES
// organization, unsigned (invoices:read). An invoice of an MX
// organization answers 409 country_unsupported, a draft 409 invalid_state.
func (s *Invoices) Facturae(ctx context.Context, id string) (*File, error) {
	f := &File{}
	xml := func(r *http.Request) { r.Header.Set("Accept", "application/xml") }
	if err := s.c.do(ctx, http.MethodGet, s.path+"/"+esc(id)+"/facturae", nil, f, xml); err != nil {
		return nil, err
	}
	return f, nil
}

// PDF is the receipt as a PDF (pdfs:read and receipts:read).
func (s *Receipts) PDF(ctx context.Context, id string, p PDFParams) (*File, error) {
	return pdf(ctx, s.c, s.path, id, p)
}

// PDF is the retention certificate as a PDF (pdfs:read and
// retentions:read).
func (s *Retentions) PDF(ctx context.Context, id string, p PDFParams) (*File, error) {
	return pdf(ctx, s.c, s.path, id, p)
}

// SetLogo uploads the logo printed on the organization's documents (user
// key): a PNG or JPEG of at most 512 KB; contentType is "image/png" or
// "image/jpeg" (the server goes by the bytes).
func (s *Organizations) SetLogo(ctx context.Context, id, contentType string, image []byte) (*Organization, error) {
	return call[Organization](ctx, s.c, http.MethodPut, "/v1/organizations/"+esc(id)+"/logo", rawBody{contentType, image})
}

// PDF is the quote as a PDF (pdfs:read and quotes:read).
func (s *Quotes) PDF(ctx context.Context, id string, p PDFParams) (*File, error) {
	return pdf(ctx, s.c, s.path, id, p)
}

// PDF is the pro-forma invoice as a PDF (pdfs:read and proformas:read).
func (s *Proformas) PDF(ctx context.Context, id string, p PDFParams) (*File, error) {
	return pdf(ctx, s.c, s.path, id, p)
}
