package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/id"
)

type requestIDKey struct{}

// RequestID returns the request id of ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// deadlines of the event stream).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// outer gives every request an id (X-Request-Id), recovers panics into the
// envelope and logs the outcome. It wraps the whole router, so 404 and 405
// answers carry request ids too.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := id.New(id.Request)
		ctx := withRouteLabel(context.WithValue(r.Context(), requestIDKey{}, rid))
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", rid)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "panic", p)
				writeError(rec, r, s.log, facturo.Errorf(facturo.CodeInternal, "An internal error occurred."))
			}
			dur := time.Since(start)
			s.metrics.observe(r, rec.status, dur)
			s.log.LogAttrs(ctx, requestLogLevel(r.URL.Path, rec.status), "request",
				slog.String("request_id", rid), slog.String("method", r.Method),
				slog.String("path", loggedPath(r.URL.Path)), slog.Int("status", rec.status),
				slog.Duration("duration", dur))
		}()
		next.ServeHTTP(rec, r)
	})
}

// loggedPath is the path as the request log writes it: a quote's public
// link is a credential, so its token is left out.
func loggedPath(path string) string {
	rest, ok := strings.CutPrefix(path, "/public/quotes/")
	if !ok {
		return path
	}
	_, action, _ := strings.Cut(rest, "/")
	if action != "" {
		action = "/" + action
	}
	return "/public/quotes/{token}" + action
}

// requestLogLevel is Info for every request but a successful probe: load
// balancers and orchestrators call /healthz, /readyz and /metrics every few
// seconds, and an Info line each would drown the log.
func requestLogLevel(path string, status int) slog.Level {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		if status < 400 {
			return slog.LevelDebug
		}
	}
	return slog.LevelInfo
}
