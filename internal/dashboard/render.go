package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/httpapi"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// view is what every page template gets.
type view struct {
	Title  string
	CSRF   string // the form token (the session's, or the sign-in form's)
	Signed bool   // a session is open: show the sign-out button
	Org    *orgView
	Error  string // the error envelope's message of a refused action
	Notice string
	Data   any
}

// pages holds one template per page, each the layout plus its content.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		case *time.Time:
			if v == nil {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		return ""
	},
	"join":         strings.Join,
	"paymentForms": func() []choice { return paymentForms },
	"list":         func(s ...string) []string { return s },
	"modeOf": func(live *bool) string {
		switch {
		case live == nil:
			return "both"
		case *live:
			return "live"
		}
		return "test"
	},
	"has": func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	},
}

func parsePages() (*pages, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		if path.Base(name) == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, name)
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return p, nil
}

// render writes page name with status. It renders into a buffer first so
// that a template error is a 500 rather than half a page.
func (s *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.Log.ErrorContext(r.Context(), "dashboard: no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.Log.ErrorContext(r.Context(), "dashboard: template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message is what a page shows of err: an application error's own
// message (the API's envelope message), anything else a generic line
// (logged by fail with its cause).
func message(err error) string {
	var e *facturo.Error
	if errors.As(err, &e) && e.Code != facturo.CodeInternal {
		return e.Message
	}
	return "An internal error occurred; it was logged. Retry later."
}

// fail answers a refused page or action with the API's status for err and
// its message.
func (s *Dashboard) fail(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	status := httpapi.ErrorStatus(err)
	if status >= 500 {
		s.Log.ErrorContext(r.Context(), "dashboard error", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	v := view{Title: http.StatusText(status), Error: message(err)}
	if ss != nil {
		v.Signed, v.CSRF = true, ss.csrf
	}
	s.render(w, r, status, "error", v)
}

// serveStatic serves the embedded stylesheet and script.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}
