package httpapi

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/facturo/facturo/docs"
)

// docPage wraps one rendered guide.
var docPage = template.Must(template.New("doc").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Facturo</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
pre,code{font:14px ui-monospace,monospace;background:#f5f5f5}pre{padding:.75rem;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}</style>
</head><body>{{.Body}}</body></html>
`))

// docsHandler serves the guides of docs/ as HTML at /docs/NAME (and
// /docs/NAME.md, which is how the guides link to each other), rendered
// once when the server is built, and the images they show. It is what every error's doc_url points
// at. The pages are not API operations: they are outside the OpenAPI
// document and need no key.
func (s *Server) docsHandler() http.Handler {
	pages, err := renderDocs(docs.Pages)
	if err != nil { // the embedded guides are ours: TestDocsAreServed renders them
		s.log.Error("render docs", "err", err)
	}
	images := http.StripPrefix("/docs/", http.FileServerFS(docs.Images))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".png") {
			w.Header().Set("Cache-Control", "public, max-age=300")
			images.ServeHTTP(w, r)
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/docs/"), ".md")
		page, ok := pages[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(page)
	})
}

// renderDocs renders every *.md of fsys, by name without the extension.
func renderDocs(fsys fs.FS) (map[string][]byte, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		// The guides are ours, and their <a id> anchors are what doc_url
		// fragments point at.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, err
	}
	pages := map[string][]byte{}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var body, page bytes.Buffer
		if err := md.Convert(src, &body); err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		title := strings.TrimSuffix(path.Base(name), ".md")
		if err := docPage.Execute(&page, map[string]any{"Title": title, "Body": template.HTML(body.String())}); err != nil {
			return nil, err
		}
		pages[title] = page.Bytes()
	}
	return pages, nil
}

// docURL is where code is explained: the errors guide on the server that
// answered r (the same scheme and host the client used).
func docURL(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + "/docs/errors#" + code
}
